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
}
