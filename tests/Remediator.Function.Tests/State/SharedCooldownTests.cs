using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Remediator.Function.State;
using Remediator.Function.Tests.Support;
using Remediator.Testing;

namespace Remediator.Function.Tests.State;

/// <summary>
/// Several execution environments (separate pipelines, as Lambda runs them) sharing one table in dynalite, through
/// STATE_TABLE and AWS_ENDPOINT_URL_DYNAMODB exactly as deployed: one message per finding per cooldown window, the
/// others' failed requests reported by the next message, one repair write, and, when the table cannot be reached, an
/// alert anyway (marked) and no write.
/// </summary>
public sealed class SharedCooldownTests(Dynalite dynalite) : IClassFixture<Dynalite>, IDisposable
{
    private const int Timeout = 120_000;
    private readonly RepairHarness _h = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _h.Dispose();

    private Handler Environment(string table, string endpoint, string mode = "auto") =>
        new(Composition.Pipeline(_h.Env(mode, ("STATE_TABLE", table), ("AWS_ENDPOINT_URL_DYNAMODB", endpoint), ("REMEDIATOR_COOLDOWN_MINUTES", "15")),
            _time, _h.Log, credentials: new StaticCredentials()));

    private static JsonElement Digest(FakeSns.Received publish)
    {
        using var message = JsonDocument.Parse(publish.Form["Message"]);
        using var machine = JsonDocument.Parse(message.RootElement.GetProperty("default").GetString()!);
        return machine.RootElement.Clone();
    }

    private async Task<JsonElement> Handle(Handler handler, byte[] delivery)
    {
        await using var result = await handler.Handle(new MemoryStream(delivery));
        using var doc = await JsonDocument.ParseAsync(result);
        return doc.RootElement.Clone();
    }

    [Fact(Timeout = Timeout)]
    public async Task Deliveries_TwoEnvironments_OneMessagePerWindowOneWriteAndTheHeldBackCount()
    {
        _h.BooksApiOnLive(ordersAllowed: true);
        var table = await dynalite.CreateTableAsync();
        var a = Environment(table, dynalite.Endpoint.ToString());
        var b = Environment(table, dynalite.Endpoint.ToString());
        var delivery = RepairHarness.DeployedPermissionDelivery();

        await Handle(a, delivery);
        var held = (await Handle(b, delivery)).GetProperty("failedRequests").GetInt64();
        await Handle(b, delivery);
        _h.Sns.Publishes.Count().ShouldBe(1, "the second environment is inside the first one's window");
        RepairHarness.Repair(_h.LastMachineMessage(), "cause").ShouldBe("permission_repaired");

        _time.Advance(TimeSpan.FromMinutes(15));
        await Handle(b, delivery);
        _h.Sns.Publishes.Count().ShouldBe(2);
        Digest(_h.Sns.Publishes.Last()).GetProperty("heldBackSinceLastAlert").GetInt64().ShouldBe(2 * held);
        RepairHarness.Repair(_h.LastMachineMessage(), "refusal").ShouldBe("already_allowed");
        _h.Lambda.Writes.ShouldBe(1);
        Digest(_h.Sns.Publishes.Last()).TryGetProperty("dedupState", out _).ShouldBeFalse();
    }

    [Fact(Timeout = Timeout)]
    public async Task Delivery_TableUnreachable_AlertsMarkedInEveryEnvironmentAndWritesNothing()
    {
        _h.BooksApiOnLive(ordersAllowed: true);
        // A port nothing listens on: the table cannot be reached at all.
        var a = Environment("remediator-state", "http://127.0.0.1:9");
        var b = Environment("remediator-state", "http://127.0.0.1:9");

        await Handle(a, RepairHarness.DeployedPermissionDelivery());
        await Handle(b, RepairHarness.DeployedPermissionDelivery());

        var publishes = _h.Sns.Publishes.ToList();
        publishes.Count.ShouldBe(2, "without the table each environment alerts: never silence");
        foreach (var p in publishes)
        {
            Digest(p).GetProperty("dedupState").GetString().ShouldBe("unavailable");
            p.FormPairs.ShouldContain(kv => kv.Value == "dedupState", "a message attribute says so too, for filter policies");
            RepairHarness.Findings(p.Form["Message"]).ShouldAllBe(f => RepairHarness.Repair(f, "refusal") == "state_unavailable");
        }
        _h.Lambda.Writes.ShouldBe(0);
        _h.Log.ToString().ShouldContain("shared state unavailable");
    }

    [Fact(Timeout = Timeout)]
    public async Task Delivery_LockHeldByAnotherEnvironment_RefusedRepairLockedNothingWritten()
    {
        _h.BooksApiOnLive(ordersAllowed: true);
        var table = await dynalite.CreateTableAsync();
        var other = new DynamoDbSharedState(Dynalite.NewClient(dynalite.Endpoint), table);
        (await other.TryLockAsync($"{RepairHarness.BooksApi}:live|{RepairHarness.Api}", _time.GetUtcNow(), TimeSpan.FromMinutes(5), default)).ShouldNotBeNull();

        await Handle(Environment(table, dynalite.Endpoint.ToString()), RepairHarness.DeployedPermissionDelivery());

        RepairHarness.Repair(_h.LastMachineMessage(), "refusal").ShouldBe("repair_locked");
        _h.Lambda.Writes.ShouldBe(0);
    }

    [Fact(Timeout = Timeout)]
    public async Task Delivery_PublishFails_ClaimGivenBackAndTheRetryAlerts()
    {
        _h.BooksApiOnLive(ordersAllowed: true);
        var table = await dynalite.CreateTableAsync();
        var a = Environment(table, dynalite.Endpoint.ToString(), mode: "dry-run");
        _h.Sns.Faults.Enqueue((400, "InvalidParameter"));

        await Should.ThrowAsync<Exception>(() => Handle(a, RepairHarness.DeployedPermissionDelivery()));
        _h.Sns.Publishes.ShouldBeEmpty();
        await Handle(a, RepairHarness.DeployedPermissionDelivery()); // Lambda's retry of the same delivery

        _h.Sns.Publishes.Count().ShouldBe(1);
    }
}
