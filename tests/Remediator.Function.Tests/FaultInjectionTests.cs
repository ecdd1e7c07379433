using System.Globalization;
using System.Text.RegularExpressions;
using Remediator.Function.Aws;
using Remediator.Function.Observability;
using Remediator.Function.Pipeline;
using Remediator.Function.Tests.Support;
using Remediator.Testing;

namespace Remediator.Function.Tests;

/// <summary>
/// Failing AWS: every fault ends in success or in a failed invocation that keeps the delivery, within the deadline;
/// never a lost finding, a half-applied repair or a duplicate statement.
/// </summary>
public sealed class FaultInjectionTests : IDisposable
{
    private readonly RepairHarness _h = new();
    private readonly StaticCredentials _credentials = new();
    // A generous attempt timeout: on a loaded 2-core machine a healthy answer can take longer than any short one, and a
    // timed-out attempt that was in fact served would publish twice. Only the "timeout" fault needs a short one.
    private static readonly RetryPolicy FastRetries = new(MaxAttempts: 5, BaseDelay: TimeSpan.FromMilliseconds(10), AttemptTimeout: TimeSpan.FromSeconds(15));
    private static readonly RetryPolicy ShortAttempts = FastRetries with { AttemptTimeout = TimeSpan.FromMilliseconds(400) };

    public void Dispose() => _h.Dispose();

    private Handler Handler(string mode = "off", int budgetSeconds = 20, RetryPolicy? retry = null)
    {
        retry ??= FastRetries;
        var env = _h.Env(mode, ("REMEDIATOR_TIME_BUDGET_SECONDS", budgetSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var options = FunctionOptions.Load(env);
        var log = new JsonLog(_h.Log, LogLevel.Info, TimeProvider.System);
        return new Handler(new DeliveryPipeline(options, Composition.Sns(options.TopicArn, env, TimeProvider.System, credentials: _credentials, retry: retry),
            TimeProvider.System, log, Composition.Repairer(options, env, TimeProvider.System, credentials: _credentials, retry: retry)));
    }

    // Every fault runs on what the deployed filter passes; the repair faults find the broken function in API
    // Gateway's configuration, as deployed.
    private static byte[] Deployed() => TestEnvironment.Deployed("causes/missing_invoke_permission__execution.log");

    public static TheoryData<string> TransientSnsFaults => ["throttling", "500", "503", "reset", "timeout", "slow", "proxy-html", "expired-token"];

    [Theory]
    [MemberData(nameof(TransientSnsFaults))]
    public async Task Sns_TransientFault_RetriedAndPublishedOnce(string fault)
    {
        _h.Sns.Chaos.Enqueue(fault switch
        {
            "throttling" => Chaos.Fail(400, "Throttling"),
            "500" => Chaos.Fail(500, "InternalError"),
            "503" => Chaos.Fail(503, "ServiceUnavailable"),
            "reset" => Chaos.ConnectionReset,
            "timeout" => Chaos.Slow(1500),
            "slow" => Chaos.Slow(100),
            "proxy-html" => Chaos.Answer(502, "<html><body>Bad Gateway</body></html>", "text/html"),
            _ => Chaos.Fail(403, "ExpiredToken"),
        });

        await using var _ = await Handler(retry: fault == "timeout" ? ShortAttempts : FastRetries).Handle(new MemoryStream(Deployed()));

        var publishes = _h.Sns.Publishes.ToList();
        if (fault == "timeout")
        {
            // At least once: a publish whose answer timed out may still have been delivered, so it can arrive twice;
            // the repeat carries the same findingId for consumers to drop.
            publishes.Count.ShouldBeGreaterThanOrEqualTo(1);
            publishes.Select(p => p.Form["MessageAttributes.entry.3.Value.StringValue"]).Distinct().Count().ShouldBe(1);
        }
        else
        {
            publishes.Count.ShouldBe(1);
        }
        if (fault == "expired-token")
        {
            _credentials.Invalidations.ShouldBe(1); // fresh credentials, then the same request again
        }
    }

    [Theory]
    [InlineData("down")]
    [InlineData("malformed-xml")]
    public async Task Sns_PersistentFault_InvocationFailsSoTheDeliveryIsKept(string fault)
    {
        if (fault == "down")
        {
            _h.Sns.Down = true;
        }
        else
        {
            _h.Sns.Chaos.Enqueue(Chaos.Answer(200, "<PublishResponse><PublishResult><MessageI", "text/xml"));
        }

        var e = await Should.ThrowAsync<PublishFailedException>(() => Handler().Handle(new MemoryStream(Deployed())));

        // Counted, not timed: the retries stop at the policy's attempts (a dead endpoint) or at once (an answer that
        // is not worth repeating), whatever the machine's speed.
        e.Message.ShouldContain("not published");
        e.Message.ShouldContain($"failed after {(fault == "down" ? FastRetries.MaxAttempts : 1)} attempt(s)");
        _h.Sns.Requests.Count.ShouldBeLessThanOrEqualTo(FastRetries.MaxAttempts);
        _h.Log.ToString().ShouldContain("\"PublishFailures\":1");
    }

    [Fact]
    public async Task Sns_SlowerThanTheDeadline_GivesUpBeforeIt()
    {
        for (var i = 0; i < 5; i++)
        {
            _h.Sns.Chaos.Enqueue(Chaos.Slow(3000));
        }
        var pipeline = new DeliveryPipeline(FunctionOptions.Load(_h.Env("off")),
            Composition.Sns(TestEnvironment.TopicArn, _h.Env("off"), TimeProvider.System, credentials: _credentials,
                retry: new RetryPolicy(MaxAttempts: 5, BaseDelay: TimeSpan.FromMilliseconds(10), AttemptTimeout: TimeSpan.FromSeconds(10))),
            TimeProvider.System, new JsonLog(TextWriter.Null, LogLevel.Info, TimeProvider.System));
        var deadline = DateTimeOffset.UtcNow.AddSeconds(2);

        var e = await Should.ThrowAsync<PublishFailedException>(() => pipeline.ProcessAsync(new MemoryStream(Deployed()), default, deadline));

        // Counted, not timed: at most one attempt, cut at the deadline (less the margin), and no second one started,
        // where the 20 s budget and the 10 s attempt timeout alone would have waited out five 3 s answers. (On a
        // starved machine the margin may be gone before the first attempt: then there is none, which is as right.)
        var attempts = int.Parse(Regex.Match(e.Message, @"failed after (\d+) attempt\(s\)").Groups[1].Value, CultureInfo.InvariantCulture);
        attempts.ShouldBeLessThanOrEqualTo(1);
    }

    [Fact]
    public async Task Repair_AddPermissionAppliedButItsAnswerLost_RetriedAsConflictOneStatement()
    {
        _h.BooksApiOnLive(ordersAllowed: true);
        _h.Lambda.BeforeAdd = () =>
        {
            _h.Lambda.BeforeAdd = null;
            _h.Lambda.AbortAfterAnswering = 1; // this AddPermission is applied, then the connection drops
        };

        var machine = await _h.Deliver(Handler("auto"), RepairHarness.DeployedPermissionDelivery());

        RepairHarness.Repair(machine, "cause").ShouldBe("permission_repaired");
        _h.Lambda.Writes.ShouldBe(1);
        using var doc = System.Text.Json.JsonDocument.Parse(_h.Lambda.Policy(RepairHarness.BooksApi, "live")!);
        doc.RootElement.GetProperty("Statement").GetArrayLength().ShouldBe(1);
        _h.Lambda.Requests.Count(r => r.Method == "POST").ShouldBe(2);
    }

    [Theory]
    [InlineData("GetPolicy", 500, "ServiceException")]
    [InlineData("AddPermission", 429, "TooManyRequestsException")]
    [InlineData("ListTags", 403, "ExpiredTokenException")]
    [InlineData("GetResources", 503, "ServiceUnavailableException")]
    public async Task Repair_TransientControlPlaneFault_RepairedOnce(string operation, int status, string code)
    {
        _h.BooksApiOnLive(ordersAllowed: true);
        if (operation == "GetResources")
        {
            _h.ApiGateway.Fail(operation, status, code);
        }
        else
        {
            _h.Lambda.Fail(operation, status, code);
        }

        var machine = await _h.Deliver(Handler("auto"), RepairHarness.DeployedPermissionDelivery());

        RepairHarness.Repair(machine, "cause").ShouldBe("permission_repaired");
        _h.Lambda.Writes.ShouldBe(1);
    }

    [Fact]
    public async Task Repair_AddPermissionFailsThroughout_RefusedNothingWrittenAndTheFindingStillPublished()
    {
        _h.BooksApiOnLive(ordersAllowed: true);
        _h.Lambda.Fail("AddPermission", 500, "ServiceException", times: 10);

        var machine = await _h.Deliver(Handler("auto"), RepairHarness.DeployedPermissionDelivery());

        RepairHarness.Repair(machine, "refusal").ShouldBe("aws_error");
        RepairHarness.Repair(machine, "detail")!.ShouldContain("Lambda AddPermission");
        _h.Lambda.Writes.ShouldBe(0);
        _h.Lambda.Policy(RepairHarness.BooksApi, "live").ShouldBeNull();
        machine.GetProperty("finding").GetProperty("cause").GetString().ShouldBe("missing_invoke_permission");
    }
}
