namespace Remediator.Cli.Tests;

/// <summary>Every credential, region, endpoint and usage failure is one line that says what to do, exit code 2, never a stack trace.</summary>
public sealed class CliErrorTests
{
    private const string Topic = "arn:aws:sns:eu-west-1:123456789012:findings";

    private static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "samples", name);

    /// <summary>The CLI as a user runs it, with no AWS credentials, configuration or region anywhere.</summary>
    private static (int Code, string Stdout, string[] Stderr) RunBare(params string[] args)
    {
        var (code, stdout, stderr) = CliProcess.Run(args, env =>
        {
            env["AWS_CONFIG_FILE"] = "/dev/null";
            env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
            env["AWS_EC2_METADATA_DISABLED"] = "true";
        }, timeoutMs: 120_000);
        return (code, stdout, stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static void NoStackTrace(string[] lines) => lines.ShouldNotContain(l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal) || l.Contains("Exception:", StringComparison.Ordinal));

    [Fact]
    public void Replay_RepairDryRunWithoutCredentials_OneLineSayingHowExit2()
    {
        var (code, _, stderr) = RunBare("replay", Sample("deployed-missing-permission.json"), "--repair", "dry-run", "--region", "us-east-1");

        code.ShouldBe(2);
        var line = stderr.ShouldHaveSingleItem();
        line.ShouldContain("no AWS credentials found");
        line.ShouldContain("AWS_PROFILE");
        NoStackTrace(stderr);
    }

    [Fact]
    public void Replay_RepairWithoutRegion_OneLineNamingTheRegionExit2()
    {
        var (code, _, stderr) = RunBare("replay", Sample("deployed-missing-permission.json"), "--repair", "dry-run");

        code.ShouldBe(2);
        var line = stderr.ShouldHaveSingleItem();
        line.ShouldContain("AWS_REGION");
        line.ShouldContain("--region");
    }

    [Fact]
    public void Replay_PublishWithoutCredentials_OneLinePerFindingExit2()
    {
        var (code, _, stderr) = RunBare("replay", Sample("event-interleaved.json"), "--publish", "--topic-arn", Topic);

        code.ShouldBe(2);
        stderr.Length.ShouldBe(1); // the sample's eight findings, in one digest
        stderr.ShouldAllBe(l => l.StartsWith("remediator replay: not published: ", StringComparison.Ordinal) && l.Contains("no AWS credentials found"));
        NoStackTrace(stderr);
    }

    [Fact]
    public void Diagnose_UnknownOption_RefusedBeforeAnyReport()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = RemediatorCommand.Run(["diagnose", Sample("execution-export.log"), "--foo"], new StringReader(""), stdout, stderr, () => Stream.Null);

        code.ShouldBe(2);
        stderr.ToString().ShouldContain("unknown option '--foo'");
        stdout.ToString().ShouldBeEmpty();
    }

    [Fact]
    public void Diagnose_Directory_SaysItIsADirectory()
    {
        var stderr = new StringWriter();

        var code = RemediatorCommand.Run(["diagnose", AppContext.BaseDirectory], new StringReader(""), new StringWriter(), stderr, () => Stream.Null);

        code.ShouldBe(2);
        stderr.ToString().ShouldContain("is a directory");
    }

    [Fact]
    public void Replay_Directory_SaysItIsADirectory()
    {
        var stderr = new StringWriter();

        var code = RemediatorCommand.Run(["replay", AppContext.BaseDirectory], new StringReader(""), new StringWriter(), stderr, () => Stream.Null);

        code.ShouldBe(2);
        stderr.ToString().ShouldContain("is a directory");
    }

    /// <summary>Standard output on a full disk: every write fails as the console's does there.</summary>
    private sealed class FullDiskWriter : StringWriter
    {
        public override void Write(char value) => throw new IOException("No space left on device");
        public override void Write(string? value) => throw new IOException("No space left on device");
        public override void Write(char[] buffer, int index, int count) => throw new IOException("No space left on device");
        public override void WriteLine(string? value) => throw new IOException("No space left on device");
    }

    [Theory]
    [InlineData("text")]
    [InlineData("json")]
    [InlineData("markdown")]
    [InlineData("html")]
    public void Diagnose_StandardOutputCannotBeWritten_OneLineExit2(string format)
    {
        var stderr = new StringWriter();

        var code = RemediatorCommand.Run(["diagnose", Sample("execution-export.log"), "--format", format], new StringReader(""), new FullDiskWriter(), stderr,
            () => Stream.Null);

        code.ShouldBe(2);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.ShouldHaveSingleItem().ShouldBe("remediator: standard output: cannot write the report (No space left on device)");
    }

    [Fact]
    public void Help_StandardOutputCannotBeWritten_OneLineExit2()
    {
        var stderr = new StringWriter();

        var code = RemediatorCommand.Run(["--help"], new StringReader(""), new FullDiskWriter(), stderr, () => Stream.Null);

        code.ShouldBe(2);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.ShouldHaveSingleItem().ShouldBe("remediator: cannot write (No space left on device)");
    }

    [Theory]
    [InlineData("json")] // streamed straight to the standard output's bytes
    [InlineData("text")]
    public void Diagnose_RedirectedToAFullDevice_OneLineNoStackTrace(string format)
    {
        // The real console on /dev/full (every write: ENOSPC), as a shell redirection gives it.
        var psi = new System.Diagnostics.ProcessStartInfo("/bin/sh") { RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec dotnet \"$0\" diagnose \"$1\" --format \"$2\" > /dev/full");
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "remediator.dll"));
        psi.ArgumentList.Add(Sample("execution-export.log"));
        psi.ArgumentList.Add(format);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit(120_000).ShouldBeTrue();
        var code = p.ExitCode;

        code.ShouldBe(2);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        NoStackTrace(lines);
        lines.ShouldHaveSingleItem().ShouldContain("cannot write");
    }
}
