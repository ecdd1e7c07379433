using System.Collections.Concurrent;
using System.Globalization;
using System.Security;
using System.Text.RegularExpressions;

namespace Remediator.Testing;

/// <summary>
/// A local STS endpoint on 127.0.0.1 speaking the Query protocol (botocore sts/2011-06-15): every request's SigV4 is
/// verified, AssumeRole is validated as the model says (RoleArn, RoleSessionName 2-64 of [\w+=,.@-], DurationSeconds
/// 900-43200, ExternalId 2-1224) and answered with STS's XML. A role must be registered to be assumable; a role
/// registered with an external id trusts only callers that send it (sts:ExternalId), else AccessDenied, as STS
/// answers for a role that does not exist or does not trust the caller.
/// <para>
/// Issued credentials are deterministic for a role and the clock, so the AWS CLI and our client get the same answer;
/// their secret is the local endpoints' own, so the other fakes accept requests signed with them, and the session
/// token names the account and the issue time, so a test can tell which credentials signed a request.
/// </para>
/// </summary>
public sealed partial class FakeSts : LocalAwsEndpoint
{
    private readonly ConcurrentDictionary<string, string?> _roles = new(StringComparer.Ordinal);

    /// <summary>The clock expirations are computed from (a test's FakeTimeProvider).</summary>
    public Func<DateTimeOffset> Clock { get; set; } = () => DateTimeOffset.UtcNow;

    /// <summary>The AssumeRole calls that issued credentials, in order.</summary>
    public ConcurrentQueue<Assumption> Assumptions { get; } = new();

    public sealed record Assumption(string RoleArn, string SessionName, int DurationSeconds, string? ExternalId, string SessionToken, DateTimeOffset Expiration);

    /// <summary>Makes a role assumable; with <paramref name="externalId"/> only by callers that send it.</summary>
    public FakeSts Role(string roleArn, string? externalId = null)
    {
        _roles[roleArn] = externalId;
        return this;
    }

    /// <summary>The session token issued for a role's account at a time.</summary>
    public static string TokenFor(string account, DateTimeOffset issued) => $"member-{account}-{issued.ToUnixTimeSeconds()}";

    protected override Answer Handle(string method, string path, IReadOnlyDictionary<string, string> query, IReadOnlyDictionary<string, string> headers, byte[] body)
    {
        var form = FakeSns.FormOf(new ReceivedRequest(method, path, query, headers, body, null!, 0)).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        if (method != "POST" || form.GetValueOrDefault("Action") != "AssumeRole" || form.GetValueOrDefault("Version") != "2011-06-15")
        {
            return Error(400, "InvalidAction", "only AssumeRole (Version 2011-06-15) is implemented");
        }
        if (form.GetValueOrDefault("RoleArn") is not { Length: >= 20 } roleArn || RoleArnShape().Match(roleArn) is not { Success: true } arn)
        {
            return Error(400, "ValidationError", "1 validation error detected: Value at 'roleArn' failed to satisfy constraint");
        }
        if (form.GetValueOrDefault("RoleSessionName") is not { Length: >= 2 and <= 64 } session || !SessionNameShape().IsMatch(session))
        {
            return Error(400, "ValidationError", "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*");
        }
        var duration = 3600;
        if (form.TryGetValue("DurationSeconds", out var d) && (!int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out duration) || duration is < 900 or > 43200))
        {
            return Error(400, "ValidationError", "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900");
        }
        var externalId = form.GetValueOrDefault("ExternalId");
        if (externalId is not null && (externalId.Length is < 2 or > 1224 || !ExternalIdShape().IsMatch(externalId)))
        {
            return Error(400, "ValidationError", "1 validation error detected: Value at 'externalId' failed to satisfy constraint");
        }
        if (!_roles.TryGetValue(roleArn, out var required) || (required is not null && required != externalId))
        {
            return Error(403, "AccessDenied", $"User: arn:aws:sts::123456789012:assumed-role/remediator-function/caller is not authorized to perform: sts:AssumeRole on resource: {roleArn}");
        }
        var account = arn.Groups["account"].Value;
        var role = arn.Groups["name"].Value;
        var issued = Clock();
        var expiration = DateTimeOffset.FromUnixTimeSeconds(issued.ToUnixTimeSeconds() + duration);
        var token = TokenFor(account, issued);
        var roleId = "AROA" + account + "EXAMPLE";
        Assumptions.Enqueue(new Assumption(roleArn, session, duration, externalId, token, expiration));
        return new Answer(200, "text/xml", $"""
            <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <AssumeRoleResult>
                <AssumedRoleUser>
                  <AssumedRoleId>{roleId}:{session}</AssumedRoleId>
                  <Arn>arn:{arn.Groups["partition"].Value}:sts::{account}:assumed-role/{role}/{session}</Arn>
                </AssumedRoleUser>
                <Credentials>
                  <AccessKeyId>ASIA{account}EXMP</AccessKeyId>
                  <SecretAccessKey>{SecretKey}</SecretAccessKey>
                  <SessionToken>{token}</SessionToken>
                  <Expiration>{expiration.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}</Expiration>
                </Credentials>
                <PackedPolicySize>0</PackedPolicySize>
              </AssumeRoleResult>
              <ResponseMetadata>
                <RequestId>{Guid.NewGuid()}</RequestId>
              </ResponseMetadata>
            </AssumeRoleResponse>
            """);
    }

    protected override Answer Error(int status, string code, string message) =>
        new(status, "text/xml", $"""<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{SecurityElement.Escape(message)}</Message></Error><RequestId>{Guid.NewGuid()}</RequestId></ErrorResponse>""");

    [GeneratedRegex(@"^arn:(?<partition>aws[a-z-]*):iam::(?<account>\d{12}):role/(?:[\w+=,.@-]+/)*(?<name>[\w+=,.@-]{1,64})$")]
    private static partial Regex RoleArnShape();

    [GeneratedRegex(@"^[\w+=,.@-]*$")]
    private static partial Regex SessionNameShape();

    [GeneratedRegex(@"^[\w+=,.@:/-]*$")]
    private static partial Regex ExternalIdShape();
}
