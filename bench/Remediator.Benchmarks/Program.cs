using BenchmarkDotNet.Running;
using Remediator.Benchmarks;

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
