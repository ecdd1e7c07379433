using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Remediator.Function.Aws;
using Remediator.Testing;

namespace Remediator.Function.Tests.Organization;

/// <summary>
/// The reference client: the AWS CLI (aws sts assume-role --endpoint-url ...) and our StsClient send the same form
/// fields to the local STS, both signed so that it verifies them, and read the same answer, errors included.
/// </summary>
public sealed class StsConformanceTests : IDisposable
{
    private const string Role = "arn:aws:iam::222222222222:role/remediator-member-repair";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 5, 1, 13, 5, 0, TimeSpan.Zero));
    private readonly FakeSts _sts = new();

    public StsConformanceTests() => _sts.Clock = _time.GetUtcNow;

    public void Dispose() => _sts.Dispose();

    private StsClient Client() => new(new AwsHttp(new HttpClient(), new StaticCredentials(), _time, new RetryPolicy(MaxAttempts: 1)), _sts.Endpoint, "us-east-1");

    [Fact]
    public async Task AssumeRole_SameRequest_AwsCliAndOurClientSendTheSameFieldsAndReadTheSameCredentials()
    {
        _sts.Role(Role, externalId: "org-o-a1b2c3d4e5");

        var cli = AwsCli.Run(_sts.Endpoint, "sts", "assume-role", "--role-arn", Role, "--role-session-name", "remediator-repair",
            "--duration-seconds", "900", "--external-id", "org-o-a1b2c3d4e5");
        var ours = await Client().AssumeRoleAsync(new AssumeRoleRequest(Role, "remediator-repair", 900, "org-o-a1b2c3d4e5"), _time.GetUtcNow().AddSeconds(20), default);

        var requests = _sts.Requests.ToList();
        requests.Count.ShouldBe(2);
        requests.ShouldAllBe(r => r.Signature.Valid && r.Signature.Service == "sts" && r.Signature.Region == "us-east-1");
        requests[1].Signature.SignedHeaders.ShouldContain("x-amz-security-token");
        Sorted(FakeSns.FormOf(requests[1])).ShouldBe(Sorted(FakeSns.FormOf(requests[0])));

        using var answer = JsonDocument.Parse(cli);
        var creds = answer.RootElement.GetProperty("Credentials");
        ours.Credentials.AccessKey.ShouldBe(creds.GetProperty("AccessKeyId").GetString());
        ours.Credentials.SecretKey.ShouldBe(creds.GetProperty("SecretAccessKey").GetString());
        ours.Credentials.Token.ShouldBe(creds.GetProperty("SessionToken").GetString());
        ours.Expiration.ShouldBe(DateTimeOffset.Parse(creds.GetProperty("Expiration").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        ours.Expiration.ShouldBe(_time.GetUtcNow().AddSeconds(900));
        ours.AssumedRoleArn.ShouldBe(answer.RootElement.GetProperty("AssumedRoleUser").GetProperty("Arn").GetString());
        ours.AssumedRoleId.ShouldBe(answer.RootElement.GetProperty("AssumedRoleUser").GetProperty("AssumedRoleId").GetString());
    }

    [Fact]
    public async Task AssumeRole_RoleThatDoesNotTrustUs_BothSeeAccessDenied()
    {
        _sts.Role(Role, externalId: "the-right-one");

        var cli = Should.Throw<InvalidOperationException>(() => AwsCli.Run(_sts.Endpoint, "sts", "assume-role", "--role-arn", Role,
            "--role-session-name", "remediator-repair", "--external-id", "a-wrong-one"));
        var ours = await Should.ThrowAsync<AwsCallException>(() => Client().AssumeRoleAsync(
            new AssumeRoleRequest(Role, "remediator-repair", 900, "a-wrong-one"), _time.GetUtcNow().AddSeconds(20), default));

        cli.Message.ShouldContain("(AccessDenied) when calling the AssumeRole operation");
        ours.Code.ShouldBe("AccessDenied");
        ours.Status.ShouldBe(403);
        ours.Message.ShouldContain("STS AssumeRole");
        _sts.Assumptions.ShouldBeEmpty();
    }

    [Fact]
    public void AssumeRoleParameters_FollowTheModelsMemberOrder() =>
        StsClient.AssumeRoleParameters(new AssumeRoleRequest(Role, "remediator-repair", 900, "x1")).Select(p => p.Key)
            .ShouldBe(["Action", "Version", "RoleArn", "RoleSessionName", "DurationSeconds", "ExternalId"]);

    [Theory]
    [InlineData("")]
    [InlineData("<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId></Credentials></AssumeRoleResult></AssumeRoleResponse>")]
    [InlineData("<html>proxy</html")]
    public void ParseAssumeRole_IncompleteAnswer_IsNull(string xml) => StsClient.ParseAssumeRole(xml).ShouldBeNull();

    private static List<string> Sorted(IEnumerable<KeyValuePair<string, string>> pairs) =>
        pairs.Select(p => $"{p.Key}={p.Value}").Order(StringComparer.Ordinal).ToList();
}
