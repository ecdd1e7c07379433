using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Remediator.Function.Aws;
using Remediator.Function.Organization;
using Remediator.Function.Tests.Support;
using Remediator.Testing;

namespace Remediator.Function.Tests.Organization;

/// <summary>
/// Repair in a member account: the owner account of a Kinesis record (what the member's subscription filter
/// delivered) selects the member role, which is assumed with STS; the same checks then run against that account's
/// API Gateway and Lambda with those credentials. Own account: the function's own role, as before.
/// </summary>
public sealed class OrganizationRepairTests : IDisposable
{
    private const string Member = "222222222222";
    private const string Api = RepairHarness.Api;
    private const string MemberBooks = "arn:aws:lambda:us-east-1:222222222222:function:books-api";
    private const string RoleName = "remediator-member-repair";
    private const string MemberRole = "arn:aws:iam::222222222222:role/remediator-member-repair";

    private readonly RepairHarness _h = new();
    private readonly FakeSts _sts = new();

    public void Dispose()
    {
        _h.Dispose();
        _sts.Dispose();
    }

    /// <summary>The member's books API: GET /books/{id} on its books-api:live alias, with no permission for API Gateway.</summary>
    private void MemberBooksApi()
    {
        _h.ApiGateway.RestIntegration(Api, "GET", "/books/{id}", MemberBooks + ":live").Stage(Api, "prod");
        _h.Lambda.Function(MemberBooks, ["live"]);
    }

    private Handler Handler(params (string, string)[] extra) => _h.Handler("auto",
    [
        ("REMEDIATOR_REPAIR_ALLOWED_FUNCTIONS", $"arn:aws:lambda:us-east-1:{Member}:function:*,arn:aws:lambda:us-east-1:{RepairHarness.Account}:function:*"),
        ("AWS_ENDPOINT_URL_STS", _sts.Endpoint.ToString()),
        .. extra,
    ]);

    private static byte[] MemberDelivery(string owner = Member) =>
        KinesisEvents.Event(KinesisEvents.Data("causes/missing_invoke_permission__execution.log", owner));

    private async Task<JsonElement> Deliver(Handler handler, byte[] payload)
    {
        await using var output = await handler.Handle(new MemoryStream(payload));
        using var response = JsonDocument.Parse(output);
        KinesisEvents.Failures(response.RootElement).ShouldBeEmpty();
        return _h.LastMachineMessage();
    }

    [Fact]
    public async Task Repair_MemberAccount_AssumesItsRoleAndRepairsWithThoseCredentials()
    {
        MemberBooksApi();
        _sts.Role(MemberRole);

        var machine = await Deliver(Handler((OrganizationOptions.MemberRoleNameVariable, RoleName)), MemberDelivery());

        RepairHarness.Repair(machine, "cause").ShouldBe("permission_repaired");
        RepairHarness.Repair(machine, "sourceArn").ShouldBe($"arn:aws:execute-api:us-east-1:{Member}:{Api}/*");
        var assumed = _sts.Assumptions.ShouldHaveSingleItem();
        assumed.RoleArn.ShouldBe(MemberRole);
        assumed.DurationSeconds.ShouldBe(900);
        assumed.SessionName.ShouldBe(OrganizationOptions.SessionName);
        _sts.Requests.ShouldAllBe(r => r.Signature.Valid && r.Headers["x-amz-security-token"] == LocalAwsEndpoint.SessionToken); // the function's own role asks
        // Every API Gateway and Lambda call was signed with the member's session, none with the function's own.
        _h.ApiGateway.Requests.Concat(_h.Lambda.Requests).ShouldNotBeEmpty();
        _h.ApiGateway.Requests.Concat(_h.Lambda.Requests).ShouldAllBe(r => r.Signature.Valid && r.Headers["x-amz-security-token"] == assumed.SessionToken);
        _h.Lambda.Policy(MemberBooks, "live")!.ShouldContain($"\"AWS:SourceAccount\":\"{Member}\"");
        // Publishing stays with the central account's own credentials.
        _h.Sns.Publishes.ShouldAllBe(p => p.Headers["x-amz-security-token"] == LocalAwsEndpoint.SessionToken);
    }

    [Fact]
    public async Task Repair_SecondDelivery_ReusesTheCachedCredentials()
    {
        MemberBooksApi();
        _sts.Role(MemberRole);
        var handler = Handler((OrganizationOptions.MemberRoleNameVariable, RoleName));

        await Deliver(handler, MemberDelivery());
        var second = await Deliver(handler, MemberDelivery());

        RepairHarness.Repair(second, "refusal").ShouldBe("already_allowed");
        _sts.Assumptions.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Repair_NoMemberRoleConfigured_RefusedWithItsOwnReasonAndNothingCalled()
    {
        MemberBooksApi();

        var machine = await Deliver(Handler(), MemberDelivery());

        RepairHarness.Repair(machine, "refusal").ShouldBe("no_member_role");
        RepairHarness.Repair(machine, "detail")!.ShouldContain(OrganizationOptions.MemberRoleNameVariable);
        _sts.Requests.ShouldBeEmpty();
        _h.Lambda.Requests.ShouldBeEmpty();
        _h.ApiGateway.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Repair_RoleNotAssumable_RefusedAsNoMemberRoleSayingWhy()
    {
        MemberBooksApi(); // the member stack was never deployed there: STS answers AccessDenied

        var machine = await Deliver(Handler((OrganizationOptions.MemberRoleNameVariable, RoleName)), MemberDelivery());

        RepairHarness.Repair(machine, "refusal").ShouldBe("no_member_role");
        RepairHarness.Repair(machine, "detail")!.ShouldContain($"{MemberRole} could not be assumed (HTTP 403 AccessDenied)");
        _h.Lambda.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Repair_AccountNotListed_RefusedWithoutAssuming()
    {
        MemberBooksApi();
        _sts.Role(MemberRole);

        var machine = await Deliver(Handler((OrganizationOptions.MemberRoleNameVariable, RoleName), (OrganizationOptions.MemberAccountsVariable, "333333333333")),
            MemberDelivery());

        RepairHarness.Repair(machine, "refusal").ShouldBe("no_member_role");
        _sts.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Repair_OwnAccountThroughKinesis_UsesTheFunctionsOwnRoleAsBefore()
    {
        _h.BooksApiOnLive();
        _sts.Role(MemberRole);

        var machine = await Deliver(Handler((OrganizationOptions.MemberRoleNameVariable, RoleName)), MemberDelivery(RepairHarness.Account));

        RepairHarness.Repair(machine, "cause").ShouldBe("permission_repaired");
        _sts.Requests.ShouldBeEmpty();
        _h.Lambda.Requests.ShouldAllBe(r => r.Headers["x-amz-security-token"] == LocalAwsEndpoint.SessionToken);
    }

    [Fact]
    public async Task MemberCredentials_CachedUntilTwoMinutesBeforeExpiryThenRenewed()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 13, 0, 0, TimeSpan.Zero));
        _sts.Clock = time.GetUtcNow;
        _sts.Role(MemberRole, externalId: "org-x1");
        var sts = new StsClient(new AwsHttp(new HttpClient(), new StaticCredentials(), time, new RetryPolicy(MaxAttempts: 1)), _sts.Endpoint, "us-east-1");
        var credentials = new MemberCredentials(sts, MemberRole, "org-x1", time);

        var first = await credentials.GetAsync(default);
        time.Advance(TimeSpan.FromMinutes(12));
        (await credentials.GetAsync(default)).Token.ShouldBe(first.Token);
        credentials.Assumed.ShouldBe(1);

        time.Advance(TimeSpan.FromMinutes(1)); // 13 minutes in: 2 minutes before the 15-minute expiry
        var renewed = await credentials.GetAsync(default);
        renewed.Token.ShouldNotBe(first.Token);
        credentials.Assumed.ShouldBe(2);

        credentials.Invalidate(); // an expired-token answer
        await credentials.GetAsync(default);
        credentials.Assumed.ShouldBe(3);
        _sts.Assumptions.ShouldAllBe(a => a.ExternalId == "org-x1" && a.DurationSeconds == 900);
    }

    [Fact]
    public async Task MemberCredentials_ConcurrentCallers_AssumeOnce()
    {
        _sts.Role(MemberRole);
        var sts = new StsClient(new AwsHttp(new HttpClient(), new StaticCredentials(), TimeProvider.System), _sts.Endpoint, "us-east-1");
        var credentials = new MemberCredentials(sts, MemberRole, null, TimeProvider.System);

        var all = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => credentials.GetAsync(default))).WaitAsync(TimeSpan.FromSeconds(30));

        all.Select(c => c.Token).Distinct().ShouldHaveSingleItem();
        _sts.Assumptions.Count.ShouldBe(1);
    }

    [Theory]
    [InlineData(OrganizationOptions.MemberRoleNameVariable, "role/with/path")]
    [InlineData(OrganizationOptions.MemberAccountsVariable, "2222,333333333333")]
    [InlineData(OrganizationOptions.ExternalIdVariable, "x")]
    public void Load_BadValue_FailsTheColdStartNamingTheVariable(string name, string value)
    {
        var e = Should.Throw<OptionsException>(() => OrganizationOptions.Load(n => n == name ? value : null, TestEnvironment.TopicArn));
        e.Message.ShouldContain(name);
    }

    [Fact]
    public void RoleArn_FromTheOwnerAccountAndTheTopicsPartition()
    {
        var options = OrganizationOptions.Load(n => n == OrganizationOptions.MemberRoleNameVariable ? RoleName : null, "arn:aws-cn:sns:cn-north-1:123456789012:findings");

        options.RoleArn(Member).ShouldBe($"arn:aws-cn:iam::{Member}:role/{RoleName}");
        options.RoleArn("123456789012").ShouldBeNull(); // the function's own account: its own role
        options.RoleArn("22222222222x").ShouldBeNull();
    }
}
