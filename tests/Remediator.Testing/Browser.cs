using System.Diagnostics;
using Xunit;

namespace Remediator.Testing;

/// <summary>
/// A browser test: it needs playwright-core in the repository's node_modules (npm ci) and Debian's Chromium (.ci/run
/// installs both). Missing on a developer's machine, the test is skipped and says what to install; under CI it runs
/// and fails, so that a CI machine without them cannot pass by skipping.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Browser.Missing() is { } missing && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            Skip = $"needs {missing} (run 'npm ci' and 'apt-get install -y chromium', as .ci/run does; under CI=true this test fails instead)";
        }
    }
}

/// <summary>Runs the playwright-core scripts of tests/browser with Node, from the repository's top.</summary>
public static class Browser
{
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>What a browser test lacks on this machine, or null.</summary>
    public static string? Missing() =>
        !Directory.Exists(Path.Combine(Repository.Root, "node_modules", "playwright-core")) ? "node_modules/playwright-core"
        : !File.Exists(Chromium) ? Chromium
        : null;

    /// <summary>node tests/browser/<paramref name="script"/> with its arguments: exit code, stdout and stderr.</summary>
    public static (int Code, string Stdout, string Stderr) Node(string script, params string[] args)
    {
        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root };
        psi.ArgumentList.Add(Path.Combine("tests", "browser", script));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        // A guard against a hung browser only, generous for a machine with both cores busy: no check depends on time.
        if (!p.WaitForExit(600_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"node tests/browser/{script} did not finish");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
