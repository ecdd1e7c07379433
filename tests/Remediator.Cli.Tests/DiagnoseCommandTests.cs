using System.Text;
using System.Text.Json;

namespace Remediator.Cli.Tests;

/// <summary>The command as a user runs it: arguments in, output and exit code out.</summary>
public class DiagnoseCommandTests
{
    private static readonly string Base = AppContext.BaseDirectory;
    private static string Sample(string name) => Path.Combine(Base, "samples", name);
    private static string Fixture(string name) => Path.Combine(Base, "fixtures", name);

    private static (int Code, string Out, string Err) Run(string[] args, string stdin = "")
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = RemediatorCommand.Run(args, new StringReader(stdin), stdout, stderr, () => new MemoryStream(Encoding.UTF8.GetBytes(stdin)));
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string[] AllSamples => Directory.GetFiles(Path.Combine(Base, "samples")).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)).Order().ToArray();

    [Fact]
    public void Diagnose_Samples_TextTableSortedByCount()
    {
        var (code, output, err) = Run(["diagnose", .. AllSamples]);

        code.ShouldBe(0, err);
        output.ShouldStartWith("#   count");
        output.ShouldContain("missing_invoke_permission");
        output.ShouldContain("malformed_proxy_response");
        output.ShouldContain("aws lambda add-permission");
        output.ShouldNotContain("\u001b["); // no colour when not on a terminal
        var counts = output.Split('\n').Skip(1).TakeWhile(l => l.Length > 0).Select(l => int.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1])).ToList();
        counts.ShouldBe(counts.OrderByDescending(c => c).ToList());
    }

    [Fact]
    public void Diagnose_JsonFormat_OneParsableDocument()
    {
        var (code, output, _) = Run(["diagnose", "--format", "json", Sample("execution-export.log")]);

        code.ShouldBe(0);
        using var doc = JsonDocument.Parse(output);
        doc.RootElement.GetProperty("summary").GetProperty("failed").GetInt64().ShouldBe(14);
        doc.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("cause").GetString())
            .ShouldBe(["malformed_proxy_response", "function_timeout", "throttled", "payload_too_large"], ignoreOrder: true);
    }

    [Fact]
    public void Diagnose_MarkdownFormat_TableAndSections()
    {
        var (code, output, _) = Run(["diagnose", "-f", "markdown", Sample("subscription-envelope.json")]);

        code.ShouldBe(0);
        output.ShouldContain("| # | count | status | cause |");
        output.ShouldContain("### 1. `missing_invoke_permission`");
        output.ShouldContain("```sh");
    }

    [Fact]
    public void Diagnose_Stdin_ReadWithDash()
    {
        var (code, output, _) = Run(["diagnose", "--format", "json", "-"], File.ReadAllText(Fixture("causes/throttled__execution.log")));

        code.ShouldBe(0);
        output.ShouldContain("\"cause\": \"throttled\"");
    }

    [Fact]
    public void Diagnose_FailOnFindings_ExitsOneWhenThereIsA5xx()
    {
        Run(["diagnose", "--fail-on-findings", Fixture("causes/throttled__execution.log")]).Code.ShouldBe(1);
        Run(["diagnose", "--fail-on-findings", Fixture("causes/none__execution.log")]).Code.ShouldBe(0);
    }

    [Fact]
    public void Diagnose_OneUnreadableFileAmongGood_ReportsItExitsTwoAndKeepsTheOthers()
    {
        var (code, output, err) = Run(["diagnose", "--format", "json", Fixture("garbage/binary.bin"), Fixture("causes/throttled__execution.log"), Fixture("garbage/invalid-base64.json")]);

        code.ShouldBe(2);
        err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(2);
        err.ShouldContain("binary.bin: binary data");
        err.ShouldContain("invalid-base64.json: awslogs.data is not valid base64");
        output.ShouldContain("\"cause\": \"throttled\"");
    }

    [Fact]
    public void Diagnose_MissingFile_ClearErrorExitTwo()
    {
        var (code, _, err) = Run(["diagnose", "/no/such/file.log"]);

        code.ShouldBe(2);
        err.ShouldContain("/no/such/file.log: cannot read");
    }

    [Theory]
    [InlineData("diagnose", "--format", "yaml")]
    [InlineData("diagnose", "--no-such-option")]
    [InlineData("frobnicate")]
    public void Run_UsageError_ExitsTwo(params string[] args)
    {
        var (code, _, err) = Run(args);

        code.ShouldBe(2);
        err.ShouldNotBeEmpty();
    }

    [Fact]
    public void Diagnose_LogGroupOption_GivesApiAndStageToPlainLines()
    {
        var (_, output, _) = Run(["diagnose", "--format", "json", "--log-group", "API-Gateway-Execution-Logs_zzzzzzzzzz/beta", Fixture("causes/throttled__pasted__legacy.md")]);

        using var doc = JsonDocument.Parse(output);
        var f = doc.RootElement.GetProperty("findings")[0];
        f.GetProperty("apiId").GetString().ShouldBe("zzzzzzzzzz");
        f.GetProperty("stage").GetString().ShouldBe("beta");
    }
    [Theory]
    // No silent all-clear: an input with nothing of API Gateway's in it is said to be so, and exits 2.
    [InlineData("2024-05-02 16:09:42,123 INFO  com.example.OrderService - order 42 shipped\n2024-05-02 16:09:43,001 WARN  com.example.OrderService - retrying payment\n")]
    [InlineData("Hi team, prod is down since the deploy, any idea?\n")]
    public void Diagnose_NoApiGatewayLine_SaysSoAndExitsTwo(string input)
    {
        var (code, output, err) = Run(["diagnose", "-"], input);

        code.ShouldBe(2);
        err.ShouldContain("stdin: no API Gateway line in it");
        output.ShouldNotBeEmpty(); // the (empty) report is still printed: the exit code and stderr carry the verdict
    }

    [Fact]
    public void Diagnose_LambdaFunctionLog_ReportsTheFunctionSideCauseAndSaysWhatItRead()
    {
        var (code, output, err) = Run(["diagnose", "--format", "json", "--fail-on-findings", Fixture("causes/function_timeout__lambda-log.log")]);

        code.ShouldBe(1);
        err.ShouldContain("no API Gateway line in it; read as a Lambda function's own log");
        output.ShouldContain("\"cause\": \"function_timeout\"");
    }

    [Fact]
    public void Diagnose_AmbiguousIds_WarnsOnStandardError()
    {
        var input = "(4f2a...) Execution failed due to configuration error: Malformed Lambda proxy response\n(4f2a...) Method completed with status: 502\n"
            + "(4f2a...) Execution failed due to a timeout error\n(4f2a...) Method completed with status: 504\n";
        var (code, output, err) = Run(["diagnose", "--format", "json", "-"], input);

        code.ShouldBe(0);
        err.ShouldContain("remediator: warning: 2 completions (502, 504)");
        output.ShouldContain("\"cause\": \"unknown\"");
    }

    [Fact]
    public void Diagnose_AwsLogsTailOutput_SameFindingsAsTheCleanExport()
    {
        var (_, clean, _) = Run(["diagnose", "--format", "json", Fixture("mixed/interleaved.log")]);
        var (code, tail, err) = Run(["diagnose", "--format", "json", Fixture("shapes/interleaved__tail-detailed.log")]);

        code.ShouldBe(0, err);
        err.ShouldBeEmpty();
        static IEnumerable<string> Ids(string json) => JsonDocument.Parse(json).RootElement.GetProperty("findings").EnumerateArray()
            .Select(f => $"{f.GetProperty("id").GetString()} {f.GetProperty("count").GetInt32()}").Order();
        Ids(tail).ShouldBe(Ids(clean));
    }
}
