using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Remediator.Core.Ingest;
using Remediator.Core.Notify;
using Remediator.Function.Observability;
using Remediator.Function.Organization;
using Remediator.Function.Pipeline;
using Remediator.Function.State;
using Remediator.Function.Tests.Support;
using Remediator.Testing;
using Xunit.Abstractions;

namespace Remediator.Function.Tests;

/// <summary>
/// An organization's storm: 10 accounts by 20 REST APIs, every API's function missing its invoke permission and
/// answering malformed proxy responses, 10 million failed requests (ORG_STORM_REQUESTS overrides) in 2,000 deliveries
/// of 5,000 requests, through four handler instances (separate pipelines, as four Lambda environments) that share one
/// table in dynalite. Each round hands the same API's delivery to all four at once, the worst case for the cooldown.
/// Asserted: at most one message per finding per cooldown window, at most one policy write per function and API
/// (counted at the fake Lambda), every delivery processed or reported failed, every failed request counted. The
/// clock is a fake one: nothing here depends on the machine's speed.
///
/// Two ways in, as deployed: the organization's (each delivery a record of a Kinesis batch from the logs destination,
/// repaired through each member account's role, assumed at a local STS) at full size, and direct subscription
/// deliveries repaired with the function's own role (one account's deployment) at a tenth of it.
/// </summary>
public sealed class OrganizationStormTests(Dynalite dynalite, ITestOutputHelper output) : IClassFixture<Dynalite>, IDisposable
{
    private const int Accounts = 10, ApisPerAccount = 20, Environments = 4, Deliveries = 2_000;
    private static readonly TimeSpan Cooldown = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan RoundStep = TimeSpan.FromSeconds(4); // 500 rounds: 33 simulated minutes, three windows

    private const string MemberRoleName = "remediator-member-repair";

    private readonly RepairHarness _h = new();
    private readonly FakeSts _sts = new();

    public void Dispose()
    {
        _h.Dispose();
        _sts.Dispose();
    }

    private static string Account(int a) => $"1000000000{a:00}";

    private static string ApiId(int a, int i) => $"org{a:00}api{i:00}";

    private static string FunctionArn(int a, int i) => $"arn:aws:lambda:us-east-1:{Account(a)}:function:api-{i:00}";

    // The lines of one request as API Gateway writes them; the deployed filter passes all of them.
    private static readonly string[][] Kinds =
    [
        ["Execution failed due to configuration error: Invalid permissions on Lambda function", "Method completed with status: 500"],
        ["Execution failed due to configuration error: Malformed Lambda proxy response", "Method completed with status: 502"],
    ];

    /// <summary>Counts the table calls of every environment (the figure in docs/reliability.md).</summary>
    private sealed class CountingState(ISharedState inner) : ISharedState
    {
        private long _calls;

        public long Calls => Interlocked.Read(ref _calls);

        private T Count<T>(T task)
        {
            Interlocked.Increment(ref _calls);
            return task;
        }

        public Task<AlertClaim> TryClaimAlertAsync(string key, DateTimeOffset now, TimeSpan cooldown, CancellationToken ct) => Count(inner.TryClaimAlertAsync(key, now, cooldown, ct));
        public Task ReleaseAlertAsync(string key, AlertClaim claim, CancellationToken ct) => Count(inner.ReleaseAlertAsync(key, claim, ct));
        public Task<long> AddHeldBackAsync(string key, long requests, CancellationToken ct) => Count(inner.AddHeldBackAsync(key, requests, ct));
        public Task<string?> TryLockAsync(string key, DateTimeOffset now, TimeSpan lease, CancellationToken ct) => Count(inner.TryLockAsync(key, now, lease, ct));
        public Task UnlockAsync(string key, string token, CancellationToken ct) => Count(inner.UnlockAsync(key, token, ct));
    }

    /// <summary>Records each message with the clock of the environment that published it.</summary>
    private sealed class RecordingPublisher(Notify.IMessagePublisher inner, TimeProvider time, ConcurrentQueue<(DateTimeOffset, OutgoingMessage)> sent) : Notify.IMessagePublisher
    {
        public async Task<string> PublishAsync(OutgoingMessage message, DateTimeOffset deadline, CancellationToken ct)
        {
            var id = await inner.PublishAsync(message, deadline, ct);
            sent.Enqueue((time.GetUtcNow(), message));
            return id;
        }
    }

    [Fact(Timeout = 900_000)]
    public Task OrganizationStorm_KinesisAndMemberRoles_OneMessagePerFindingPerWindowOneWritePerFunction() =>
        Storm(kinesis: true, long.TryParse(System.Environment.GetEnvironmentVariable("ORG_STORM_REQUESTS"), out var n) ? n : 10_000_000);

    [Fact(Timeout = 900_000)]
    public Task OrganizationStorm_SubscriptionDeliveries_OneMessagePerFindingPerWindowOneWritePerFunction() => Storm(kinesis: false, 1_000_000);

    private async Task Storm(bool kinesis, long total)
    {
        var perDelivery = (int)(total / Deliveries);
        var apis = new List<(int Account, int Index)>();
        for (var a = 0; a < Accounts; a++)
        {
            for (var i = 0; i < ApisPerAccount; i++)
            {
                apis.Add((a, i));
                _h.ApiGateway.RestIntegration(ApiId(a, i), "ANY", "/{proxy+}", FunctionArn(a, i)).Stage(ApiId(a, i), "prod");
                _h.Lambda.Function(FunctionArn(a, i));
            }
        }

        // One delivery per API, encoded once through the deployed filter and handed over again on each visit: the
        // handlers decode and diagnose every request of every delivery; only the test's own generation is shared.
        var clock = Stopwatch.StartNew();
        var payloads = apis.AsParallel().AsOrdered().Select(api =>
        {
            var events = new List<(long, string)>(perDelivery * 2);
            for (var r = 0; r < perDelivery; r++)
            {
                var id = $"{r:x8}-{api.Account:x4}-4000-8000-{api.Index:x12}";
                foreach (var line in Kinds[r % Kinds.Length])
                {
                    events.Add((DeployedDelivery.DefaultStartMs + r, $"({id}) {line}"));
                }
            }
            var envelope = DeployedDelivery.Encode($"API-Gateway-Execution-Logs_{ApiId(api.Account, api.Index)}/prod", events, owner: Account(api.Account));
            // Through the logs destination, the same gzip payload is a Kinesis record's data.
            return kinesis ? KinesisEvents.Event(KinesisEvents.DataOf(envelope)) : envelope;
        }).ToList();
        var generation = clock.Elapsed;

        var table = await dynalite.CreateTableAsync();
        var state = new CountingState(new DynamoDbSharedState(Dynalite.NewClient(dynalite.Endpoint), table));
        for (var a = 0; a < Accounts; a++)
        {
            _sts.Role($"arn:aws:iam::{Account(a)}:role/{MemberRoleName}");
        }
        (string, string)[] organization = kinesis ? [(OrganizationOptions.MemberRoleNameVariable, MemberRoleName), ("AWS_ENDPOINT_URL_STS", _sts.Endpoint.ToString())] : [];
        var env = _h.Env("auto", [.. organization, ("REMEDIATOR_COOLDOWN_MINUTES", "15"), ("STATE_TABLE", table),
            ("REMEDIATOR_REPAIR_APIS", string.Join(',', apis.Select(a => ApiId(a.Account, a.Index)))),
            ("REMEDIATOR_REPAIR_ALLOWED_FUNCTIONS", string.Join(',', Enumerable.Range(0, Accounts).Select(a => $"arn:aws:lambda:us-east-1:{Account(a)}:function:*")))]);
        var options = FunctionOptions.Load(env);
        var sent = new ConcurrentQueue<(DateTimeOffset At, OutgoingMessage Message)>();
        var start = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

        // Delivery k belongs to round k / 4, whose API's delivery all four environments get: they take deliveries in
        // order from one queue, each with its own clock (separate environments), set to its round's time before each.
        var queue = new ConcurrentQueue<int>(Enumerable.Range(0, Deliveries));
        long failed = 0, processed = 0, reportedFailed = 0;
        clock.Restart();
        await Task.WhenAll(Enumerable.Range(0, Environments).Select(_ => Task.Run(async () =>
        {
            var time = new FakeTimeProvider(start);
            var sns = new RecordingPublisher(Composition.Sns(options.TopicArn, env, time, credentials: new StaticCredentials()), time, sent);
            var repairer = Composition.Repairer(options, env, time, credentials: new StaticCredentials(), state: state);
            var handler = new Handler(new DeliveryPipeline(options, sns, time, new JsonLog(TextWriter.Null, options.LogLevel, time), repairer,
                kinesis ? Composition.Accounts(options, env, time, credentials: new StaticCredentials(), state: state) : null, state));
            while (queue.TryDequeue(out var k))
            {
                var round = k / Environments;
                time.SetUtcNow(start + round * RoundStep);
                try
                {
                    await using var result = await handler.Handle(new MemoryStream(payloads[round % payloads.Count]));
                    using var doc = await JsonDocument.ParseAsync(result);
                    if (kinesis)
                    {
                        // A batch answers with the records to retry; the failed requests are counted in the messages.
                        if (KinesisEvents.Failures(doc.RootElement).Count > 0)
                        {
                            Interlocked.Increment(ref reportedFailed);
                            continue;
                        }
                        Interlocked.Add(ref failed, perDelivery);
                    }
                    else
                    {
                        Interlocked.Add(ref failed, doc.RootElement.GetProperty("failedRequests").GetInt64());
                    }
                    Interlocked.Increment(ref processed);
                }
                catch (Exception e)
                {
                    // A failed invocation: Lambda retries it, then keeps it in the on-failure queue.
                    Interlocked.Increment(ref reportedFailed);
                    lock (output) output.WriteLine($"delivery {k}: {e.GetType().Name}: {e.Message}");
                }
            }
        })));
        var elapsed = clock.Elapsed;
        var alerts = sent.SelectMany(s => s.Message.FindingIds.Select(id => (Id: id, s.At))).GroupBy(a => a.Id)
            .ToDictionary(g => g.Key, g => g.Select(a => a.At).Order().ToList());
        var published = sent.Count;

        var policies = apis.Select(a => _h.Lambda.Policy(FunctionArn(a.Account, a.Index))).ToList();
        var statements = policies.Select(p => p is null ? 0 : JsonDocument.Parse(p).RootElement.GetProperty("Statement").GetArrayLength()).ToList();
        var repaired = _h.MachineFindings().Count(f => RepairHarness.Repair(f, "cause") == "permission_repaired");
        output.WriteLine($"organization storm ({(kinesis ? "Kinesis batches, member roles" : "subscription deliveries")}): {Accounts} accounts x {ApisPerAccount} APIs, {Deliveries} deliveries of {perDelivery} requests ({failed} failed requests) through {Environments} environments: " +
            $"{elapsed.TotalSeconds:F1} s handling (generation {generation.TotalSeconds:F1} s), {state.Calls} DynamoDB calls, {published} messages holding {alerts.Values.Sum(a => a.Count)} finding alerts " +
            $"for {alerts.Count} findings, {_h.Lambda.Writes} repair writes ({repaired} reported repaired), {reportedFailed} invocations failed, {_sts.Assumptions.Count} member role assumptions");

        _h.Sns.Publishes.Count().ShouldBe(published);
        (processed + reportedFailed).ShouldBe(Deliveries);
        reportedFailed.ShouldBe(0);
        failed.ShouldBe((long)perDelivery * Deliveries);
        foreach (var (id, at) in alerts)
        {
            at.Zip(at.Skip(1), (a, b) => b - a).ShouldAllBe(gap => gap >= Cooldown, $"finding {id} alerted at {string.Join(", ", at.Select(t => t.ToString("HH:mm:ss")))}");
        }
        alerts.Count.ShouldBe(apis.Count * Kinds.Length);
        statements.ShouldAllBe(s => s == 1, "one statement per function: the first write, never a second");
        _h.Lambda.Writes.ShouldBe(apis.Count);
        repaired.ShouldBe(apis.Count);
        if (kinesis)
        {
            // Each environment assumes each member's role at most once (credentials cached), and every API Gateway and
            // Lambda call went out with a member's session, none with the function's own.
            _sts.Assumptions.Count.ShouldBeInRange(Accounts, Accounts * Environments);
            _h.ApiGateway.Requests.Concat(_h.Lambda.Requests).ShouldAllBe(r => r.Headers["x-amz-security-token"] != LocalAwsEndpoint.SessionToken);
        }
    }
}
