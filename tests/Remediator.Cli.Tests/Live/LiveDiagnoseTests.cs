using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Remediator.Cli.Live;
using Remediator.Core.Diagnosis;
using Remediator.Function.Aws;
using Remediator.Testing;

namespace Remediator.Cli.Tests.Live;

/// <summary>
/// <c>diagnose --api ... --since 1h</c> and <c>--follow</c> against a local CloudWatch Logs and API Gateway that
/// verify every signature. The clock is a <see cref="FakeTimeProvider"/> and <c>--follow</c> is paced by the test,
/// so nothing here depends on elapsed time.
/// </summary>
public sealed class LiveDiagnoseTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly LiveScenario _scenario = new(Now);
    private readonly FakeTimeProvider _clock = new(Now);
    private readonly StaticCredentials _credentials = new(LocalAwsEndpoint.AccessKey, LocalAwsEndpoint.SecretKey, LocalAwsEndpoint.SessionToken);

    public LiveDiagnoseTests() => _scenario.Logs.PageSize = 7; // every read pages

    public void Dispose() => _scenario.Dispose();

    private LiveEnvironment World(Func<TimeSpan, CancellationToken, Task>? wait = null) =>
        new(name => _scenario.Environment().GetValueOrDefault(name), _clock, ErrorIsTerminal: false)
        {
            Credentials = _credentials,
            Retry = new RetryPolicy(MaxAttempts: 4, BaseDelay: TimeSpan.FromMilliseconds(1), MaxDelay: TimeSpan.FromMilliseconds(5)),
            Wait = wait,
        };

    private async Task<(int Code, string Out, string Err)> Run(LiveRequest request, LiveEnvironment? world = null, CancellationToken ct = default)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await LiveCommand.RunAsync(request, world ?? World(), stdout, stderr, ct);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static LiveRequest LastHour(string format = "json") =>
        new([LiveScenario.RestApi, LiveScenario.HttpApi], null, [], "1h", null, Follow: false, Format: format);

    private static List<JsonElement> Findings(string json) =>
        JsonDocument.Parse(json).RootElement.GetProperty("findings").EnumerateArray().ToList();

    [Fact]
    public async Task Diagnose_ApiSince1h_FindsExactlyTheFailuresOfThatHourWithRoutesAndFunctions()
    {
        var (code, output, err) = await Run(LastHour());

        code.ShouldBe(0, err);
        err.ShouldBeEmpty(); // not a terminal: no progress, and nothing went wrong
        Findings(output).Count.ShouldBe(3, output);
        var findings = Findings(output).ToDictionary(f => f.GetProperty("cause").GetString()!);
        findings.Keys.ShouldBe(["malformed_proxy_response", "function_error", "missing_invoke_permission"], ignoreOrder: true);
        var malformed = findings["malformed_proxy_response"];
        malformed.GetProperty("count").GetInt32().ShouldBe(3);
        malformed.GetProperty("resourcePath").GetString().ShouldBe("/books/{id}");
        malformed.GetProperty("functionArn").GetString().ShouldBe(LiveScenario.Fn("books-api"));
        malformed.GetProperty("qualifier").GetString().ShouldBe("live");
        var error = findings["function_error"];
        error.GetProperty("count").GetInt32().ShouldBe(2);
        error.GetProperty("resourcePath").GetString().ShouldBe("/authors/{id}");
        error.GetProperty("functionArn").GetString().ShouldBe(LiveScenario.Fn("authors-api"));
        var permission = findings["missing_invoke_permission"];
        permission.GetProperty("count").GetInt32().ShouldBe(2);
        permission.GetProperty("apiId").GetString().ShouldBe(LiveScenario.HttpApi);
        permission.GetProperty("routeKey").GetString().ShouldBe("POST /checkout");

        var summary = JsonDocument.Parse(output).RootElement.GetProperty("summary");
        summary.GetProperty("failed").GetInt64().ShouldBe(7);
        summary.GetProperty("window").GetProperty("since").GetString().ShouldBe("2026-12-01T11:00:00.000Z");
        summary.GetProperty("window").GetProperty("until").GetString().ShouldBe("2026-12-01T12:00:00.000Z");
        var read = summary.GetProperty("read");
        read.GetProperty("logGroups").EnumerateArray().Select(g => g.GetString()).ShouldBe(
            [LiveScenario.HttpAccessGroup, LiveScenario.RestAccessGroup, LiveScenario.ExecutionGroup], ignoreOrder: true);
        read.GetProperty("events").GetInt64().ShouldBe(_scenario.Logs.EventsServed);
        read.GetProperty("bytes").GetInt64().ShouldBe(_scenario.Logs.BytesServed);
        read.GetProperty("calls").GetInt32().ShouldBe(_scenario.Logs.Filters.Count);
        // Little is transferred: a small part of what the groups hold.
        var held = _scenario.Logs.Events(LiveScenario.ExecutionGroup).Count + _scenario.Logs.Events(LiveScenario.RestAccessGroup).Count
            + _scenario.Logs.Events(LiveScenario.HttpAccessGroup).Count;
        _scenario.Logs.EventsServed.ShouldBeLessThan(held / 4);
        _scenario.Logs.Requests.ShouldAllBe(r => r.Signature.Valid);
        _scenario.ApiGateway.Requests.ShouldAllBe(r => r.Signature.Valid);
    }

    [Fact]
    public async Task Diagnose_FirstPass_UsesThePatternsTheStackDeploysThenRequestIdsUnderTheLimit()
    {
        for (var i = 0; i < 60; i++)
        {
            _scenario.Rest(_scenario.At(58 - i * 0.5), "GET", "/books/{id}", "/books/52", "books-api:live", LiveScenario.Outcome.Malformed);
        }

        var (code, output, err) = await Run(LastHour());

        code.ShouldBe(0, err);
        Findings(output).Single(f => f.GetProperty("cause").GetString() == "malformed_proxy_response").GetProperty("count").GetInt32().ShouldBe(63);
        var filters = _scenario.Logs.Filters;
        var patterns = filters.Where(f => f["nextToken"] is null).Select(f => ((string)f["logGroupName"]!, (string)f["filterPattern"]!)).ToList();
        patterns.ShouldContain((LiveScenario.ExecutionGroup, SubscriptionFilterTerms.Pattern));
        patterns.ShouldContain((LiveScenario.RestAccessGroup, AccessLogFilterPatterns.Json));
        patterns.ShouldContain((LiveScenario.HttpAccessGroup, AccessLogFilterPatterns.Json));
        var followUps = patterns.Where(p => p.Item2.StartsWith("?\"", StringComparison.Ordinal) && p.Item2 != SubscriptionFilterTerms.Pattern).ToList();
        followUps.Count.ShouldBeGreaterThanOrEqualTo(3); // 65 request ids do not fit one pattern
        followUps.ShouldAllBe(p => p.Item2.Length <= 1024);
        filters.Any(f => f["nextToken"] is not null).ShouldBeTrue("the reads paged");
    }

    [Fact]
    public async Task Diagnose_Throttled_BacksOffAndSucceeds()
    {
        for (var i = 0; i < 3; i++)
        {
            _scenario.Logs.Faults.Enqueue((400, "ThrottlingException"));
        }

        var (code, output, err) = await Run(LastHour());

        code.ShouldBe(0, err);
        Findings(output).Count.ShouldBe(3);
        _scenario.Logs.Requests.Count(r => r.Answered == 400).ShouldBe(3);
    }

    [Fact]
    public async Task Diagnose_ThrottledThroughout_SaysSoAndExits2()
    {
        for (var i = 0; i < 20; i++)
        {
            _scenario.Logs.Faults.Enqueue((400, "ThrottlingException"));
        }

        var (code, output, err) = await Run(LastHour());

        code.ShouldBe(2);
        output.ShouldBeEmpty();
        err.ShouldContain("ThrottlingException");
        err.ShouldContain("run again in a minute");
        err.ShouldNotContain("   at "); // never a stack trace
    }

    [Fact]
    public async Task Diagnose_ExpiredTokenOnce_FreshCredentialsAndTheSameResult()
    {
        _scenario.Logs.Faults.Enqueue((400, "ExpiredTokenException"));

        var (code, output, err) = await Run(LastHour());

        code.ShouldBe(0, err);
        _credentials.Invalidations.ShouldBe(1);
        Findings(output).Count.ShouldBe(3);
    }

    [Fact]
    public async Task Diagnose_ExpiredTokenAgainAfterRefresh_ClearErrorNoRetryLoop()
    {
        _scenario.Logs.Faults.Enqueue((400, "ExpiredTokenException"));
        _scenario.Logs.Faults.Enqueue((400, "ExpiredTokenException"));

        var (code, _, err) = await Run(LastHour());

        code.ShouldBe(2);
        err.ShouldContain("ExpiredTokenException");
        err.ShouldContain("renew them");
        _scenario.Logs.Requests.Count.ShouldBe(2);
    }

    [Fact]
    public async Task Diagnose_TextFormat_SummaryHasTheWindowAndTheReadCost()
    {
        var (code, output, _) = await Run(LastHour("text"));

        code.ShouldBe(0);
        output.ShouldContain("Window 2026-12-01T11:00:00Z to 2026-12-01T12:00:00Z (1h 00m); read 3 log group(s)");
        output.ShouldContain($"{_scenario.Logs.EventsServed:N0} event(s)");
    }

    [Fact]
    public async Task Diagnose_LogGroupOption_ReadsThatGroupWithItsPattern()
    {
        var (code, output, err) = await Run(new LiveRequest([], null, [LiveScenario.HttpAccessGroup + ":json"], "2h", null, false, "json"));

        code.ShouldBe(0, err);
        Findings(output).Select(f => f.GetProperty("cause").GetString()).ShouldBe(["missing_invoke_permission", "integration_timeout"], ignoreOrder: true);
        _scenario.ApiGateway.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Diagnose_UnknownGroup_SaysWhichAndExits2()
    {
        var (code, _, err) = await Run(new LiveRequest([], null, ["/aws/apigateway/nope"], "1h", null, false));

        code.ShouldBe(2);
        err.ShouldContain("/aws/apigateway/nope");
    }

    /// <summary>
    /// The waits of <c>--follow</c>, driven by the test: before the n-th wait returns, <paramref name="onPoll"/>(n, now)
    /// may append events; the clock then moves on by the interval. The <paramref name="ctrlC"/>-th wait presses Ctrl-C.
    /// </summary>
    private Func<TimeSpan, CancellationToken, Task> Polls(CancellationTokenSource cts, int ctrlC, Action<int, DateTimeOffset> onPoll)
    {
        var polls = 0;
        return (interval, ct) =>
        {
            polls++;
            onPoll(polls, _clock.GetUtcNow());
            if (polls == ctrlC)
            {
                cts.Cancel();
            }
            _clock.Advance(interval);
            ct.ThrowIfCancellationRequested();
            return Task.CompletedTask;
        };
    }

    private const string NoPermission = "The IAM role configured on the integration or API Gateway doesn't have permissions to call the integration. Check the permissions and try again.";

    private void AuthorsError(DateTimeOffset t) => _scenario.Rest(t, "GET", "/authors/{id}", "/authors/9", "authors-api", LiveScenario.Outcome.FunctionError);

    [Fact]
    public async Task Follow_EventsAppendedWhileRunning_EachNewFindingPrintedThenASummaryOnCtrlC()
    {
        using var cts = new CancellationTokenSource();
        var wait = Polls(cts, ctrlC: 4, (poll, t) =>
        {
            if (poll == 1)
            {
                AuthorsError(t + TimeSpan.FromSeconds(3));
            }
            if (poll == 2)
            {
                _scenario.Http(t + TimeSpan.FromSeconds(4), "POST /checkout", 500, NoPermission);
                AuthorsError(t + TimeSpan.FromSeconds(5));
            }
        });

        var (code, output, err) = await Run(new LiveRequest([LiveScenario.RestApi, LiveScenario.HttpApi], null, [], "10m", null, Follow: true), World(wait), cts.Token);

        code.ShouldBe(0, err);
        var lines = output.Split('\n');
        lines[0].ShouldContain("no failures in 2026-12-01T11:50:00Z to 2026-12-01T12:00:00Z");
        lines[1].ShouldContain("function_error");
        lines[1].ShouldContain("GET /authors/{id}");
        lines[1].ShouldEndWith("x1");
        lines.Skip(2).Take(2).ShouldContain(l => l.Contains("missing_invoke_permission") && l.Contains("POST /checkout"));
        lines.Skip(2).Take(2).ShouldContain(l => l.Contains("function_error") && l.Contains("(2 since 2026-12-01T11:50:00Z)"));
        lines[4].ShouldContain("no failures in");
        output.ShouldContain("Window 2026-12-01T11:50:00Z to 2026-12-01T12:00:30Z");
        output.ShouldContain("3 request(s) read, 3 failed, 2 finding(s)");
    }

    [Fact]
    public async Task Follow_PollThrottledThroughout_WarnsAndReadsTheWindowAgain()
    {
        using var cts = new CancellationTokenSource();
        var wait = Polls(cts, ctrlC: 3, (poll, t) =>
        {
            if (poll == 1)
            {
                AuthorsError(t + TimeSpan.FromSeconds(3));
                for (var i = 0; i < 4; i++)
                {
                    _scenario.Logs.Faults.Enqueue((400, "ThrottlingException"));
                }
            }
        });

        var (code, output, err) = await Run(new LiveRequest([LiveScenario.RestApi], "prod", [], "10m", null, Follow: true), World(wait), cts.Token);

        code.ShouldBe(0);
        err.ShouldContain("ThrottlingException");
        err.ShouldContain("reading the same window again");
        output.ShouldContain("function_error");
    }

    private static readonly (LiveRequest Request, string Message)[] UsageErrors =
    [
        (new LiveRequest([], "prod", [], "1h", null, false), "--stage needs --api"),
        (new LiveRequest([], null, [], "1h", null, false), "name what to read"),
        (new LiveRequest([LiveScenario.RestApi], null, [], "10m", null, true, "json"), "--follow prints text"),
        (new LiveRequest([LiveScenario.RestApi], null, [], "1h", "2h", false), "the window is empty"),
        (new LiveRequest([LiveScenario.RestApi], null, [], "yesterday", null, false), "neither a duration"),
        (new LiveRequest(["Not-An-Id"], null, [], "1h", null, false), "is not an API id"),
    ];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task Diagnose_UsageError_OneLineExit2NothingRead(int n)
    {
        var (request, message) = UsageErrors[n];
        var (code, output, err) = await Run(request);

        code.ShouldBe(2);
        output.ShouldBeEmpty();
        err.ShouldContain(message);
        err.Trim().Split('\n').Length.ShouldBe(1);
        _scenario.Logs.Requests.ShouldBeEmpty();
    }

    [Fact]
    public void Chunks_ManyIds_EachPatternWithinTheLimitAndEveryIdOnce()
    {
        var ids = Enumerable.Range(0, 500).Select(_ => Guid.NewGuid().ToString()).ToList();

        var chunks = LiveReader.Chunks(ids).ToList();

        chunks.ShouldAllBe(c => LiveReader.TermsPattern(c).Length <= 1024);
        chunks.SelectMany(c => c).ShouldBe(ids);
        chunks.Count.ShouldBe((int)Math.Ceiling(500 / (1025.0 / 41)));
    }

    [Theory]
    [InlineData("1h", "2026-12-01T11:00:00Z")]
    [InlineData("90m", "2026-12-01T10:30:00Z")]
    [InlineData("1h30m", "2026-12-01T10:30:00Z")]
    [InlineData("2d", "2026-11-29T12:00:00Z")]
    [InlineData("2026-12-01T03:00:00Z", "2026-12-01T03:00:00Z")]
    [InlineData("2026-12-01T03:00:00", "2026-12-01T03:00:00Z")]
    public void TimeWindow_DurationOrTime_Parsed(string text, string expected) =>
        TimeWindow.Utc(TimeWindow.Parse(text, Now, "--since")).ShouldBe(expected);

    [Fact]
    public void Progress_OnATerminalOnly()
    {
        var clock = new FakeTimeProvider(Now);
        var quiet = new StringWriter();
        var shown = new StringWriter();
        var off = new LiveProgress(quiet, enabled: false, clock) { Group = "g", Events = 5 };
        var on = new LiveProgress(shown, enabled: true, clock) { Group = "g", Events = 1234, Requests = 3, Failures = 2 };

        clock.Advance(TimeSpan.FromSeconds(1)); // past "a moment"
        off.Update();
        on.Update();
        on.Clear();

        quiet.ToString().ShouldBeEmpty();
        shown.ToString().ShouldContain("reading g: 1,234 events scanned, 3 requests, 2 failing");
    }
}
