using CareLedger.Cli;

return await CareLedgerCli.RunAsync(args);

/// <summary>The entry point type, named so that tests can locate this assembly.</summary>
public partial class Program;
