using BenchmarkDotNet.Running;
using Remediator.Benchmarks;

// generate-export text|json <bytes> <path>: data for bench/diagnose-stream.sh; anything else goes to BenchmarkDotNet.
if (args is ["generate-export", var kind, var size, var path])
{
    Exports.Generate(kind, long.Parse(size, System.Globalization.CultureInfo.InvariantCulture), path);
    return 0;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
