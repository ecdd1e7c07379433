using System.Diagnostics;
using System.Text;
using Remediator.Testing;

namespace Remediator.Cli.Tests;

/// <summary><c>remediator replay</c>: the whole handler on an event file, printing by default, publishing on request.</summary>
public sealed class ReplayCommandTests : IDisposable
{
    private const string Topic = "arn:aws:sns:eu-west-1:123456789012:findings";
    private readonly FakeSns _sns = new();

    public void Dispose() => _sns.Dispose();

    private static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "samples", name);

    [Fact]
    public void Replay_SampleEvent_PrintsEachMessageAndSendsNothing()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = RemediatorCommand.Run(["replay", Sample("event-interleaved.json")], new StringReader(""), stdout, stderr, () => Stream.Null);

        code.ShouldBe(0, stderr.ToString());
        var output = stdout.ToString();
        // Eight findings of one API and stage: one digest.
        output.Split('\n').Count(l => l.StartsWith("=== Message ", StringComparison.Ordinal)).ShouldBe(1);
        output.Split('\n').Count(l => l.StartsWith("Subject: [Remediator] ", StringComparison.Ordinal)).ShouldBe(1);
        output.ShouldContain("Attributes: cause=");
        output.ShouldContain("=== Message 1: digest ");
        output.ShouldContain(" of 8 finding(s): ");
        output.ShouldContain("--- https: Amazon Q Developer in chat applications (Slack)");
        output.ShouldContain("--- email");
        output.ShouldContain("--- default (sqs, lambda, email-json): machine JSON");
        output.ShouldContain("1 message(s) would be published (nothing was sent");
        _sns.Requests.ShouldBeEmpty();
    }

    [Fact]
    public void Replay_EndpointUrl_PublishesSignedWithTheEnvironmentsCredentials()
    {
        var (code, stdout, stderr) = RunProcess(["replay", Sample("event-interleaved.json"), "--endpoint-url", _sns.Endpoint.ToString(), "--topic-arn", Topic]);

        code.ShouldBe(0, stderr);
        stdout.ShouldContain("1 message(s) published");
        var publishes = _sns.Publishes.ToList();
        publishes.Count.ShouldBe(1); // one digest of the sample's eight findings
        publishes.ShouldAllBe(p => p.Signature.Valid && p.Signature.Region == "eu-west-1" && p.Signature.Service == "sns");
        publishes.ShouldAllBe(p => p.Headers["x-amz-security-token"] == FakeSns.SessionToken && p.Form["TopicArn"] == Topic);
    }

    [Fact]
    public void Replay_NotADelivery_ExitsTwoWithReason()
    {
        var stderr = new StringWriter();

        var code = RemediatorCommand.Run(["replay", Sample("execution-export.log")], new StringReader(""), new StringWriter(), stderr, () => Stream.Null);

        code.ShouldBe(2);
        stderr.ToString().ShouldContain("not a CloudWatch Logs subscription delivery");
    }

    [Fact]
    public void Replay_SnsRefusesEverything_OneLinePerFindingExitsTwo()
    {
        _sns.Down = true;

        var (code, _, stderr) = RunProcess(["replay", Sample("subscription-envelope.json"), "--endpoint-url", _sns.Endpoint.ToString(), "--topic-arn", Topic],
            // Bounded by the retry count (five tries, sub-second backoff), not by the budget: a short budget on a busy
            // machine could run out before the first try, and the error would no longer name SNS's answer.
            ("REMEDIATOR_TIME_BUDGET_SECONDS", "60"));

        code.ShouldBe(2);
        stderr.ShouldContain("not published");
        stderr.ShouldContain("ServiceUnavailable");
        stderr.ShouldNotContain("   at ");
    }

    [Fact]
    public void Replay_PublishWithAutoRepair_ReachesSnsLambdaAndApiGatewayThroughTheEnvironment()
    {
        using var lambda = new FakeLambda();
        using var apis = new FakeApiGateway();
        const string fn = "arn:aws:lambda:us-east-1:123456789012:function:books-api";
        lambda.Function(fn, ["live"]);
        apis.RestIntegration("a1b2c3d4e5", "POST", "/orders", fn + ":live").Stage("a1b2c3d4e5", "prod");

        var (code, stdout, stderr) = RunProcess(["replay", Sample("subscription-envelope.json"), "--publish", "--topic-arn", Topic, "--repair", "auto"],
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_ENDPOINT_URL_SNS", _sns.Endpoint.ToString()),
            ("AWS_ENDPOINT_URL_LAMBDA", lambda.Endpoint.ToString()),
            ("AWS_ENDPOINT_URL_API_GATEWAY", apis.Endpoint.ToString()),
            ("REMEDIATOR_REPAIR_ALLOWED_FUNCTIONS", "arn:aws:lambda:us-east-1:123456789012:function:books-*"));

        code.ShouldBe(0, stderr);
        stdout.ShouldContain("1 message(s) published");
        _sns.Publishes.ShouldHaveSingleItem().Form["Subject"].ShouldBe("[Remediator] 500 permission_repaired a1b2c3d4e5/prod POST /orders x4");
        lambda.Policy(fn, "live").ShouldNotBeNull().ShouldContain("remediator-a1b2c3d4e5");
        lambda.Requests.ShouldAllBe(r => r.Signature.Valid && r.Signature.Service == "lambda" && r.Signature.Region == "us-east-1");
        apis.Requests.ShouldAllBe(r => r.Signature.Valid && r.Signature.Service == "apigateway");
    }

    [Fact]
    public void Replay_DryRunOnWhatTheDeployedFilterPasses_PlanNamesTheFunctionAndTheRouteWithoutPlaceholders()
    {
        // samples/deployed-missing-permission.json holds only the two lines per request the stack's filter passes.
        using var lambda = new FakeLambda();
        using var apis = new FakeApiGateway();
        const string books = "arn:aws:lambda:us-east-1:123456789012:function:books-api";
        const string orders = "arn:aws:lambda:us-east-1:123456789012:function:orders-api";
        lambda.Function(books, ["live"]).Function(orders);
        lambda.AddStatement(orders, null, """{"Sid":"deploy-grant","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:orders-api","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/POST/orders"}}}""");
        apis.RestIntegration("a1b2c3d4e5", "GET", "/books/{id}", books + ":live").RestIntegration("a1b2c3d4e5", "POST", "/orders", orders).Stage("a1b2c3d4e5", "prod");

        var (code, stdout, stderr) = RunProcess(["replay", Sample("deployed-missing-permission.json"), "--repair", "dry-run"],
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_ENDPOINT_URL_LAMBDA", lambda.Endpoint.ToString()),
            ("AWS_ENDPOINT_URL_API_GATEWAY", apis.Endpoint.ToString()),
            ("REMEDIATOR_REPAIR_ALLOWED_FUNCTIONS", "arn:aws:lambda:us-east-1:123456789012:function:*"));

        code.ShouldBe(0, stderr);
        stdout.ShouldContain("Subject: [Remediator] 500 permission_repair_planned a1b2c3d4e5/prod GET /books/{id} x3");
        stdout.ShouldContain("aws lambda add-permission --region us-east-1 --function-name arn:aws:lambda:us-east-1:123456789012:function:books-api --qualifier live --statement-id remediator-a1b2c3d4e5");
        foreach (var placeholder in new[] { "<function-arn>", "<region>", "<account-id>", "<api-id>", "route -" })
        {
            stdout.ShouldNotContain(placeholder);
        }
        lambda.Writes.ShouldBe(0);
    }

    [Fact]
    public void Replay_OnlyTheGeneralEndpointVariable_UsedForSns()
    {
        var (code, stdout, stderr) = RunProcess(["replay", Sample("subscription-envelope.json"), "--publish", "--topic-arn", Topic],
            ("AWS_ENDPOINT_URL", _sns.Endpoint.ToString()));

        code.ShouldBe(0, stderr);
        _sns.Publishes.ShouldHaveSingleItem();
    }

    [Fact]
    public void Replay_RepairWithoutAnyRegion_ExitsTwoNamingTheVariable()
    {
        var (code, _, stderr) = RunProcess(["replay", Sample("subscription-envelope.json"), "--repair", "dry-run"], ("HOME", "/nonexistent"));

        code.ShouldBe(2);
        stderr.ShouldContain("AWS_REGION");
    }

    [Fact]
    public void Replay_DefaultRepairOff_NoControlPlaneCall()
    {
        var stdout = new StringWriter();

        RemediatorCommand.Run(["replay", Sample("subscription-envelope.json")], new StringReader(""), stdout, new StringWriter(), () => Stream.Null).ShouldBe(0);

        stdout.ToString().ShouldContain("Subject: [Remediator] 500 missing_invoke_permission a1b2c3d4e5/prod POST /orders x4");
    }

    /// <summary>Runs the built command in a fresh process whose only AWS configuration is the environment.</summary>
    private static (int Code, string Stdout, string Stderr) RunProcess(string[] args, params (string Key, string Value)[] env) =>
        CliProcess.Run(args, environment =>
        {
            LocalAwsEndpoint.UseLocalCredentials(environment);
            foreach (var (k, v) in env)
            {
                environment[k] = v;
            }
        });
}
