using Remediator.Function.State;
using Remediator.Testing;

namespace Remediator.Function.Tests.State;

/// <summary>
/// The shared state's contract, against dynalite (a DynamoDB implementation, through the AWS SDK as the function calls
/// it) and against the in-memory reference: every case runs on both, so the two cannot drift apart. Each test has a
/// timeout: a call that hangs fails its test instead of the run.
/// </summary>
public sealed class SharedStateTests(Dynalite dynalite) : IClassFixture<Dynalite>
{
    private const int Timeout = 60_000;
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Cooldown = TimeSpan.FromMinutes(15);

    public static TheoryData<string> Stores => ["dynalite", "memory"];

    private async Task<ISharedState> Store(string kind) => kind == "memory"
        ? new InMemorySharedState()
        : new DynamoDbSharedState(Dynalite.NewClient(dynalite.Endpoint), await dynalite.CreateTableAsync());

    [Theory(Timeout = Timeout)]
    [MemberData(nameof(Stores))]
    public async Task TryClaimAlert_ManyConcurrentCallers_ExactlyOneWinsEachWindow(string kind)
    {
        var state = await Store(kind);
        for (var window = 0; window < 3; window++)
        {
            var now = T0 + window * Cooldown + TimeSpan.FromSeconds(1);
            var claims = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => Task.Run(() => state.TryClaimAlertAsync("f1", now, Cooldown, default))));
            claims.Count(c => c.Claimed).ShouldBe(1, $"window {window}");
            claims.Single(c => c.Claimed).Token.ShouldNotBeNull();
        }
    }

    [Theory(Timeout = Timeout)]
    [MemberData(nameof(Stores))]
    public async Task TryClaimAlert_WithinAndAfterWindow_FreeOnlyOnceExpired(string kind)
    {
        var state = await Store(kind);
        (await state.TryClaimAlertAsync("f1", T0, Cooldown, default)).Claimed.ShouldBeTrue();
        (await state.TryClaimAlertAsync("f1", T0 + Cooldown - TimeSpan.FromSeconds(1), Cooldown, default)).Claimed.ShouldBeFalse();
        (await state.TryClaimAlertAsync("f2", T0 + TimeSpan.FromSeconds(1), Cooldown, default)).Claimed.ShouldBeTrue("another key is its own window");
        var next = await state.TryClaimAlertAsync("f1", T0 + Cooldown, Cooldown, default);
        next.Claimed.ShouldBeTrue();
        next.LastAlertAt.ShouldBe(T0);
    }

    [Theory(Timeout = Timeout)]
    [MemberData(nameof(Stores))]
    public async Task AddHeldBack_CountsAcrossCallers_NextClaimReportsAndResets(string kind)
    {
        var state = await Store(kind);
        await state.TryClaimAlertAsync("f1", T0, Cooldown, default);
        var counts = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => state.AddHeldBackAsync("f1", 7, default))));
        counts.Max().ShouldBe(70);
        counts.Distinct().Count().ShouldBe(10, "each caller sees the count its own addition made");
        var next = await state.TryClaimAlertAsync("f1", T0 + Cooldown, Cooldown, default);
        next.HeldBack.ShouldBe(70);
        (await state.AddHeldBackAsync("f1", 3, default)).ShouldBe(3, "the new window counts from zero");
    }

    [Theory(Timeout = Timeout)]
    [MemberData(nameof(Stores))]
    public async Task AddHeldBack_NoClaim_CreatesNothingThatBlocksAClaim(string kind)
    {
        var state = await Store(kind);
        (await state.AddHeldBackAsync("f1", 5, default)).ShouldBe(5);
        (await state.TryClaimAlertAsync("f1", T0, Cooldown, default)).Claimed.ShouldBeTrue();
    }

    [Theory(Timeout = Timeout)]
    [MemberData(nameof(Stores))]
    public async Task ReleaseAlert_MessageNotSent_NextCallerClaimsWithTheCountKept(string kind)
    {
        var state = await Store(kind);
        var first = await state.TryClaimAlertAsync("f1", T0, Cooldown, default);
        await state.AddHeldBackAsync("f1", 4, default);
        var second = await state.TryClaimAlertAsync("f1", T0 + Cooldown, Cooldown, default);
        second.HeldBack.ShouldBe(4);
        await state.ReleaseAlertAsync("f1", second, default);
        var third = await state.TryClaimAlertAsync("f1", T0 + Cooldown + TimeSpan.FromSeconds(5), Cooldown, default);
        third.Claimed.ShouldBeTrue();
        third.HeldBack.ShouldBe(4);
        third.LastAlertAt.ShouldBe(T0);
        await state.ReleaseAlertAsync("f1", first, default); // a stale token gives back nothing
        (await state.TryClaimAlertAsync("f1", T0 + Cooldown + TimeSpan.FromSeconds(6), Cooldown, default)).Claimed.ShouldBeFalse();
    }

    [Theory(Timeout = Timeout)]
    [MemberData(nameof(Stores))]
    public async Task TryLock_ConcurrentCallers_OneHolderUntilUnlockOrLeaseEnd(string kind)
    {
        var state = await Store(kind);
        var lease = TimeSpan.FromMinutes(5);
        var tokens = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => state.TryLockAsync("fn|api", T0, lease, default))));
        var holder = tokens.Where(t => t is not null).ShouldHaveSingleItem()!;
        (await state.TryLockAsync("fn|api", T0 + TimeSpan.FromMinutes(4), lease, default)).ShouldBeNull();
        await state.UnlockAsync("fn|api", "not-the-holder", default);
        (await state.TryLockAsync("fn|api", T0 + TimeSpan.FromMinutes(4), lease, default)).ShouldBeNull("only the holder frees it");
        await state.UnlockAsync("fn|api", holder, default);
        var again = await state.TryLockAsync("fn|api", T0 + TimeSpan.FromMinutes(4), lease, default);
        again.ShouldNotBeNull();
        var afterLease = await state.TryLockAsync("fn|api", T0 + TimeSpan.FromMinutes(9), lease, default);
        afterLease.ShouldNotBeNull("a holder that died frees the lock when its lease ends");
        await state.UnlockAsync("fn|api", again, default); // the old holder's unlock leaves the new holder's lock
        (await state.TryLockAsync("fn|api", T0 + TimeSpan.FromMinutes(10), lease, default)).ShouldBeNull();
    }

    [Fact(Timeout = Timeout)]
    public async Task Calls_TableUnreachable_UnavailableQuickly()
    {
        // A port nothing listens on: refused at once, and one retry, so the caller learns quickly that it must go on without.
        var closed = new Uri("http://127.0.0.1:9/");
        var state = new DynamoDbSharedState(Dynalite.NewClient(closed), "remediator-state");
        await Should.ThrowAsync<SharedStateUnavailableException>(() => state.TryClaimAlertAsync("f1", T0, Cooldown, default));
        await Should.ThrowAsync<SharedStateUnavailableException>(() => state.TryLockAsync("k", T0, Cooldown, default));
    }

    [Fact(Timeout = Timeout)]
    public async Task Calls_TableMissing_Unavailable()
    {
        var state = new DynamoDbSharedState(Dynalite.NewClient(dynalite.Endpoint), "no-such-table");
        var e = await Should.ThrowAsync<SharedStateUnavailableException>(() => state.TryClaimAlertAsync("f1", T0, Cooldown, default));
        e.Message.ShouldContain("no-such-table");
    }
}
