using System.Diagnostics;

namespace Remediator.Cli.Tests;

/// <summary>The built command in a fresh process, with no AWS_ or REMEDIATOR_ variable but those the test sets.</summary>
internal static class CliProcess
{
    public static (int Code, string Stdout, string Stderr) Run(string[] args, Action<IDictionary<string, string?>> environment, int timeoutMs = 60_000)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "remediator.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal) || k.StartsWith("REMEDIATOR_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }
        environment(psi.Environment);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit(timeoutMs).ShouldBeTrue();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
