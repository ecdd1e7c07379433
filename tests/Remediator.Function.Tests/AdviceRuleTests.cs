using System.Text.Json;
using Remediator.Core.Advice;
using Remediator.Core.Diagnosis;
using Remediator.Function.Tests.Support;

namespace Remediator.Function.Tests;

/// <summary>
/// Issue 16's advice rules, each per API type: a function timeout strictly below the integration's own timeoutInMillis
/// (read where the repairer reads the API) or the type's default; the observed duration of a timeout; --region on every
/// command; the command that finds the function when the log does not name it; and for every function-side cause the
/// function's own log group with a Logs Insights query and a console link. The deployed cases go through the filter
/// the stack deploys.
/// </summary>
public sealed class AdviceRuleTests : IDisposable
{
    private readonly RepairHarness _h = new();

    public void Dispose() => _h.Dispose();

    private const string Orders = "arn:aws:lambda:us-east-1:123456789012:function:orders-api";

    [Theory]
    [InlineData(10_000, 9)]
    [InlineData(29_000, 28)]
    [InlineData(5_500, 5)]
    public async Task Deployed_RestFunctionTimeout_BelowTheIntegrationsOwnTimeoutWithTheFunctionsLog(int timeoutMs, int suggested)
    {
        // One integration: API Gateway's configuration names the function the filtered lines do not.
        _h.ApiGateway.RestTimeoutMs = timeoutMs;
        _h.ApiGateway.RestIntegration(RepairHarness.Api, "POST", "/orders", Orders).Stage(RepairHarness.Api, "prod");

        var machine = await _h.Deliver(_h.Handler("dry-run"), TestEnvironment.Deployed("causes/function_timeout__execution.log"));

        var advice = machine.GetProperty("finding").GetProperty("advice");
        Commands(advice).ShouldContain(c => c.EndsWith($"--timeout {suggested}", StringComparison.Ordinal));
        advice.GetProperty("steps")[0].GetString()!.ShouldContain($"{timeoutMs} ms, the integration's timeoutInMillis");
        advice.GetProperty("summary").GetString()!.ShouldContain("after 10.01 s");
        var log = machine.GetProperty("functionLog");
        log.GetProperty("logGroup").GetString().ShouldBe("/aws/lambda/orders-api");
        log.GetProperty("logsInsightsQuery").GetString()!.ShouldContain("@requestId in [");
        log.GetProperty("consoleUrl").GetString()!.ShouldStartWith("https://us-east-1.console.aws.amazon.com/cloudwatch/");
        log.GetProperty("startQuery").GetString()!.ShouldContain("--region us-east-1");
        machine.GetProperty("finding").GetProperty("functionArn").ValueKind.ShouldBe(JsonValueKind.Null); // the key, and so the id, unchanged
    }

    [Fact]
    public async Task Deployed_RestFunctionTimeoutSeveralFunctions_TheShortestTimeoutAndTheCommandThatFindsTheFunction()
    {
        _h.ApiGateway.RestTimeoutMs = 12_000;
        _h.BooksApiOnLive();

        var machine = await _h.Deliver(_h.Handler("dry-run"), TestEnvironment.Deployed("causes/function_timeout__execution.log"));

        var commands = Commands(machine.GetProperty("finding").GetProperty("advice"));
        commands.ShouldContain(c => c.EndsWith("--timeout 11", StringComparison.Ordinal));
        commands[0].ShouldStartWith("aws apigateway get-resources --region us-east-1 --rest-api-id a1b2c3d4e5 --embed methods");
        machine.TryGetProperty("functionLog", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Deployed_RepairOff_TheApiTypesDefaultAndSaysSo()
    {
        var machine = await _h.Deliver(_h.Handler("off"), TestEnvironment.Deployed("causes/function_timeout__execution.log"));

        var advice = machine.GetProperty("finding").GetProperty("advice");
        Commands(advice).ShouldContain(c => c.EndsWith("--timeout 28", StringComparison.Ordinal));
        advice.GetProperty("steps")[0].GetString()!.ShouldContain("29 s by default for REST APIs");
        _h.ApiGateway.Requests.ShouldBeEmpty();
    }

    public static TheoryData<ApiType?, int?, int> Timeouts() => new()
    {
        { ApiType.Rest, null, 28 },
        { ApiType.Http, null, 29 },
        { null, null, 28 },
        { ApiType.Http, 15_000, 14 },
        { ApiType.Rest, 50_000, 49 },
        { ApiType.Rest, 1_500, 1 },
        { ApiType.Http, 2_001, 2 },
    };

    [Theory]
    [MemberData(nameof(Timeouts))]
    public void FunctionTimeout_AnyApiTypeAndIntegrationTimeout_SuggestsStrictlyBelowIt(ApiType? type, int? timeoutMs, int suggested)
    {
        var advice = AdviceBook.For(Key(Cause.FunctionTimeout, type, function: Orders), Facts(type, timeoutMs: timeoutMs));

        var set = advice.Commands.Single(c => c.Text.Contains("--timeout", StringComparison.Ordinal)).Text;
        set.ShouldEndWith($"--timeout {suggested}");
        (suggested * 1000).ShouldBeLessThan(timeoutMs ?? (type == ApiType.Http ? 30_000 : 29_000));
        advice.Steps.ShouldNotContain(s => s.Contains("--timeout 30", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ApiType.Rest)]
    [InlineData(ApiType.Http)]
    public void Timeouts_ObservedDuration_Stated(ApiType type)
    {
        AdviceBook.For(Key(Cause.FunctionTimeout, type, function: Orders), Facts(type, error: "Task timed out after 27.50 seconds")).Summary.ShouldContain("after 27.5 s");
        AdviceBook.For(Key(Cause.IntegrationTimeout, type), Facts(type, latencyMs: 30004)).Summary.ShouldContain("after 30004 ms");
        AdviceBook.For(Key(Cause.IntegrationTimeout, type), Facts(type, timeoutMs: 8000)).Summary.ShouldContain("after its integration timeout of 8000 ms");
    }

    [Theory]
    [InlineData(ApiType.Rest, 29.0, "lower it to 28 s")]
    [InlineData(ApiType.Http, 29.9, "lower it to 29 s")]
    [InlineData(ApiType.Rest, 10.01, "raise the function's timeout to at most 28 s")]
    public void FunctionTimeout_ObservedAtOrAboveTheSafeValue_SaysLowerNotRaise(ApiType type, double ranSeconds, string expected)
    {
        var advice = AdviceBook.For(Key(Cause.FunctionTimeout, type, function: Orders), Facts(type, error: $"Task timed out after {ranSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} seconds"));

        advice.Steps[0].ShouldContain(expected);
    }

    public static TheoryData<Cause, ApiType> EveryCauseAndType()
    {
        var data = new TheoryData<Cause, ApiType>();
        foreach (var cause in Enum.GetValues<Cause>())
        {
            data.Add(cause, ApiType.Rest);
            data.Add(cause, ApiType.Http);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryCauseAndType))]
    public void EveryCommand_KnownOrUnknownFunction_HasARegionAndNoOtherTypesCommand(Cause cause, ApiType type)
    {
        foreach (var function in new[] { Orders, null })
        {
            var advice = AdviceBook.For(Key(cause, type, function: function), Facts(type));
            foreach (var command in advice.Commands.Select(c => c.Text).Where(t => t.StartsWith("aws ", StringComparison.Ordinal) && !t.StartsWith("aws iam ", StringComparison.Ordinal)))
            {
                command.ShouldContain(" --region us-east-1 ");
                command.ShouldNotContain(type == ApiType.Rest ? "aws apigatewayv2 " : "aws apigateway ");
            }
            if (advice.FunctionLog?.StartQueryCommand is { } start)
            {
                start.ShouldContain(" --region us-east-1 ");
            }
        }
    }

    [Theory]
    [MemberData(nameof(EveryCauseAndType))]
    public void FunctionNotKnown_ACommandThatNeedsIt_PrecededByTheCommandThatFindsIt(Cause cause, ApiType type)
    {
        var advice = AdviceBook.For(Key(cause, type, function: null), Facts(type));

        var texts = advice.Commands.Select(c => c.Text).ToList();
        var needs = texts.FindIndex(t => t.Contains("<function-arn>", StringComparison.Ordinal));
        if (needs < 0 && !AdviceBook.FunctionSide(cause))
        {
            return;
        }
        var finder = texts.FindIndex(t => t.StartsWith(type == ApiType.Http ? "aws apigatewayv2 get-" : "aws apigateway get-resources", StringComparison.Ordinal));
        finder.ShouldBeGreaterThanOrEqualTo(0, $"{cause}: no command finds the function");
        if (needs >= 0)
        {
            finder.ShouldBeLessThan(needs);
        }
    }

    [Theory]
    [MemberData(nameof(EveryCauseAndType))]
    public void FunctionSideCause_FunctionKnown_ItsOwnLogGroupQueryAndConsoleLink(Cause cause, ApiType type)
    {
        var advice = AdviceBook.For(Key(cause, type, function: Orders), Facts(type, requestIds: ["a8d3a6db-9d36-4a29-8e87-b25dfe593bc2"]));

        if (!AdviceBook.FunctionSide(cause))
        {
            advice.FunctionLog.ShouldBeNull();
            return;
        }
        var log = advice.FunctionLog.ShouldNotBeNull();
        log.LogGroup.ShouldBe("/aws/lambda/orders-api");
        log.LogsInsightsQuery.ShouldContain("a8d3a6db-9d36-4a29-8e87-b25dfe593bc2");
        log.ConsoleUrl.ShouldBe("https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Forders-api");
        log.StartQueryCommand.ShouldNotBeNull().ShouldContain("--log-group-name /aws/lambda/orders-api --start-time ");
    }

    private static FindingKey Key(Cause cause, ApiType? type, string? function = null) =>
        new(cause, type == ApiType.Http ? "h7t9p2q4r6" : "a1b2c3d4e5", type == ApiType.Http ? "$default" : "prod",
            type == ApiType.Http ? null : "POST", type == ApiType.Http ? null : "/orders", type == ApiType.Http ? "POST /orders" : null, function, null);

    private static FindingFacts Facts(ApiType? type, int? timeoutMs = null, string? error = null, long? latencyMs = null, string[]? requestIds = null) =>
        new(type, LogKind.Execution, null, error, latencyMs, null, "123456789012", "us-east-1", null, requestIds ?? [], timeoutMs,
            new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 5, 1, 12, 3, 0, TimeSpan.Zero));

    private static List<string> Commands(JsonElement advice) =>
        advice.GetProperty("commands").EnumerateArray().Select(c => c.GetProperty("command").GetString()!).ToList();
}
