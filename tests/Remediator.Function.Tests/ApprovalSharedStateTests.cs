using Remediator.Function.State;
using Remediator.Function.Tests.Support;
using Remediator.Testing;

namespace Remediator.Function.Tests;

/// <summary>
/// Approve mode beside the shared state table (on by default in the stack), against dynalite: an approval takes the
/// same repair lock as the delivery path, so a person's click and an environment in auto mode never write one policy
/// at once, and the lock is given back after the write.
/// </summary>
public sealed class ApprovalSharedStateTests(Dynalite dynalite) : IClassFixture<Dynalite>, IDisposable
{
    private const string Books = RepairHarness.BooksApi;
    private readonly ApprovalHarness _h = new();

    public void Dispose() => _h.Dispose();

    private async Task<(Handler Handler, string Table)> Deployed()
    {
        _h.Repair.BooksApiOnLive();
        var table = await dynalite.CreateTableAsync();
        return (_h.Handler(("STATE_TABLE", table), ("AWS_ENDPOINT_URL_DYNAMODB", dynalite.Endpoint.ToString())), table);
    }

    private static string LockKey => $"{Books}:live|{RepairHarness.Api}";

    [Fact(Timeout = 120_000)]
    public async Task Post_WithSharedState_AppliedOnceAndTheLockGivenBack()
    {
        var (handler, table) = await Deployed();
        var token = ApprovalHarness.TokenOf(await _h.PlanAsync(handler));

        var applied = await ApprovalHarness.Request(handler, "POST", token);
        var again = await ApprovalHarness.Request(handler, "POST", token);

        applied.Status.ShouldBe(200, applied.Html);
        again.Html.ShouldContain("Already applied");
        _h.Lambda.Writes.ShouldBe(1);
        _h.RemediatorStatements(Books, "live").ShouldBe(1);
        var other = new DynamoDbSharedState(Dynalite.NewClient(dynalite.Endpoint), table);
        (await other.TryLockAsync(LockKey, _h.Time.GetUtcNow(), TimeSpan.FromMinutes(5), default)).ShouldNotBeNull("the approval gave its lock back");
    }

    [Fact(Timeout = 120_000)]
    public async Task Post_LockHeldByAnotherEnvironment_RefusedAndNothingWritten()
    {
        var (handler, table) = await Deployed();
        var token = ApprovalHarness.TokenOf(await _h.PlanAsync(handler));
        var other = new DynamoDbSharedState(Dynalite.NewClient(dynalite.Endpoint), table);
        (await other.TryLockAsync(LockKey, _h.Time.GetUtcNow(), TimeSpan.FromMinutes(5), default)).ShouldNotBeNull();

        var (status, _, html) = await ApprovalHarness.Request(handler, "POST", token);

        status.ShouldBe(409);
        html.ShouldContain("repair_locked");
        _h.Lambda.Writes.ShouldBe(0);
    }
}
