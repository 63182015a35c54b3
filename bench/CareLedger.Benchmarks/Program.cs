using BenchmarkDotNet.Running;

// Run one suite: dotnet run -c Release --project bench/CareLedger.Benchmarks -- --filter '*Merkle*'
BenchmarkSwitcher.FromAssembly(System.Reflection.Assembly.GetExecutingAssembly()).Run(args);
