using BenchmarkDotNet.Running;

// Run one suite: dotnet run -c Release --project bench/CareLedger.Benchmarks -- --filter '*Merkle*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
