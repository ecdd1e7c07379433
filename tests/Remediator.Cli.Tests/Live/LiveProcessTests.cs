using System.Diagnostics;
using System.Text.Json;

namespace Remediator.Cli.Tests.Live;

/// <summary>The built command in a fresh process, as a person runs it, against the local endpoints of <see cref="LiveScenario"/>:
/// the endpoints come from AWS_ENDPOINT_URL_* only, the credentials from the environment, the clock is the real one.</summary>
public sealed class LiveProcessTests : IDisposable
{
    // Every event of the scenario is minutes away from the window's ends, so the seconds a process takes to start do not matter.
    private readonly LiveScenario _scenario = new(DateTimeOffset.UtcNow);

    public void Dispose() => _scenario.Dispose();

    [Fact]
    public void Diagnose_ApiSince1h_InAProcessNotOnATerminal_FindingsOnStdoutNothingOnStderr()
    {
        var env = _scenario.Environment();

        var (code, stdout, stderr) = CliProcess.Run(["diagnose", "--api", LiveScenario.RestApi, "--api", LiveScenario.HttpApi, "--since", "1h", "--format", "json"],
            e => { foreach (var (k, v) in env) e[k] = v; });

        code.ShouldBe(0, stderr);
        stderr.ShouldBeEmpty();
        using var doc = JsonDocument.Parse(stdout);
        doc.RootElement.GetProperty("findings").EnumerateArray().Select(f => (f.GetProperty("cause").GetString(), f.GetProperty("count").GetInt32()))
            .ShouldBe([("malformed_proxy_response", 3), ("function_error", 2), ("missing_invoke_permission", 2)], ignoreOrder: true);
    }

    [Fact]
    public async Task Follow_CtrlC_EndsWithTheSummaryAndExit0()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "remediator.dll"), "diagnose", "--api", LiveScenario.RestApi, "--since", "15m", "--follow" })
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }
        foreach (var (k, v) in _scenario.Environment())
        {
            psi.Environment[k] = v;
        }
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        // The first window is printed at once (one failure, 12 minutes ago); then it waits for the next poll.
        var first = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        first.ShouldNotBeNull().ShouldContain("malformed_proxy_response");

        using (var kill = Process.Start("kill", ["-INT", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        var rest = await p.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        p.ExitCode.ShouldBe(0, await stderr);
        rest.ShouldContain("1 finding(s)");
        rest.ShouldContain("Window ");
    }

    [Fact]
    public void Diagnose_FilesAndApiTogether_UsageError()
    {
        var (code, _, stderr) = CliProcess.Run(["diagnose", "samples/rest-access.jsonl", "--api", LiveScenario.RestApi], _ => { });

        code.ShouldBe(2);
        stderr.ShouldContain("either files or a live read");
    }

    [Theory]
    [InlineData("--format", "html")]
    [InlineData("-o", "/tmp/remediator-live-report.txt")]
    public void Diagnose_LiveReadWithAFileOnlyOutput_UsageErrorNothingRead(string option, string value)
    {
        var (code, stdout, stderr) = CliProcess.Run(["diagnose", "--api", LiveScenario.RestApi, "--since", "1h", option, value], _ => { });

        code.ShouldBe(2);
        stderr.ShouldContain("--format html and -o are for files");
        stdout.ShouldBeEmpty();
    }

    [Fact]
    public void Diagnose_NoRegion_SaysHowToGiveOne()
    {
        var (code, _, stderr) = CliProcess.Run(["diagnose", "--api", LiveScenario.RestApi, "--since", "1h"], e =>
        {
            e["AWS_CONFIG_FILE"] = "/dev/null";
            e["HOME"] = "/nonexistent";
        });

        code.ShouldBe(2);
        stderr.ShouldContain("--region");
        stderr.ShouldNotContain("   at ");
    }
}
