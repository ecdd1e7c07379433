using System.Globalization;
using System.Text;
using Remediator.Core.Diagnosis;

namespace Remediator.Core.Repair;

/// <summary>
/// What a person approves: one planned statement, bound to where it goes and to the policy revision it was planned
/// against, until an expiry. It holds only AWS names (account, region, API, stage and route, function, statement,
/// revision), never log text or request data, and it is written canonically (fixed fields in a fixed order, one
/// spelling per value), so that the MAC over its bytes binds exactly one meaning. Parsing is strict: any other
/// spelling is refused rather than interpreted.
/// </summary>
public sealed record ApprovalToken(
    string AccountId,
    string Region,
    string ApiId,
    ApiType? ApiType,
    string? Stage,
    string? HttpMethod,
    string? ResourcePath,
    string? RouteKey,
    string FunctionArn,
    string? Qualifier,
    string? AuthorizerId,
    string StatementId,
    string SourceArn,
    string PolicyRevisionId,
    DateTimeOffset Expires)
{
    public const string Version = "remediator-approval/1";

    // The fields in their one order; a payload with any other set or order is not a token.
    private static readonly string[] Fields =
        ["account", "region", "api", "apiType", "stage", "method", "path", "route", "function", "qualifier", "authorizer", "statementId", "sourceArn", "revision", "expires"];

    /// <summary>The token of a planned repair: the plan as written in the report, the revision it was planned against.</summary>
    public static ApprovalToken For(RepairReport planned, DateTimeOffset expires)
    {
        var plan = planned.Plan ?? throw new ArgumentException("a planned repair has a plan", nameof(planned));
        var key = planned.Finding.Key;
        return new ApprovalToken(plan.AccountId, plan.Region, plan.ApiId, planned.Finding.ApiType, key.Stage, key.HttpMethod, key.ResourcePath, key.RouteKey,
            plan.Function.Arn, plan.Qualifier, plan.AuthorizerId, plan.StatementId, plan.SourceArn, planned.PolicyRevisionId ?? "",
            DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }

    /// <summary>The plan the token names, rebuilt; null when its function ARN does not parse.</summary>
    public PermissionPlan? Plan() =>
        FunctionRef.TryParse(Qualifier is null ? FunctionArn : $"{FunctionArn}:{Qualifier}") is { } fn ? new PermissionPlan(fn, ApiId, Region, AccountId, AuthorizerId) : null;

    /// <summary>The bytes the MAC covers: <c>remediator-approval/1</c>, then one <c>name=value</c> line per field.</summary>
    public byte[] Canonical()
    {
        var sb = new StringBuilder(Version).Append('\n');
        foreach (var (name, value) in Values())
        {
            sb.Append(name).Append('=').Append(value).Append('\n');
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private IEnumerable<(string, string)> Values()
    {
        string[] values =
        [
            AccountId, Region, ApiId, ApiType switch { Diagnosis.ApiType.Rest => "rest", Diagnosis.ApiType.Http => "http", _ => "" }, Stage ?? "", HttpMethod ?? "",
            ResourcePath ?? "", RouteKey ?? "", FunctionArn, Qualifier ?? "", AuthorizerId ?? "", StatementId, SourceArn, PolicyRevisionId,
            Expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        ];
        return Fields.Zip(values);
    }

    /// <summary>Parses <see cref="Canonical"/> bytes; null, with the reason, for anything else.</summary>
    public static ApprovalToken? Parse(ReadOnlySpan<byte> payload, out string? problem)
    {
        problem = null;
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(payload);
        }
        catch (DecoderFallbackException)
        {
            problem = "not UTF-8";
            return null;
        }
        var lines = text.Split('\n');
        if (lines.Length != Fields.Length + 2 || lines[0] != Version || lines[^1].Length != 0)
        {
            problem = "not a version 1 approval";
            return null;
        }
        var v = new string?[Fields.Length];
        for (var i = 0; i < Fields.Length; i++)
        {
            var line = lines[i + 1];
            if (!line.StartsWith(Fields[i] + "=", StringComparison.Ordinal))
            {
                problem = $"field {i + 1} is not {Fields[i]}";
                return null;
            }
            var value = line[(Fields[i].Length + 1)..];
            v[i] = value.Length == 0 ? null : value;
        }
        if (v[3] is not (null or "rest" or "http"))
        {
            problem = "apiType is not rest or http";
            return null;
        }
        ApiType? apiType = v[3] switch { "rest" => Diagnosis.ApiType.Rest, "http" => Diagnosis.ApiType.Http, _ => null };
        if (!long.TryParse(v[14], NumberStyles.None, CultureInfo.InvariantCulture, out var expires) || expires is < 0 or > 253402300799)
        {
            problem = "expires is not a time";
            return null;
        }
        var token = new ApprovalToken(v[0] ?? "", v[1] ?? "", v[2] ?? "", apiType, v[4], v[5], v[6], v[7], v[8] ?? "", v[9], v[10], v[11] ?? "", v[12] ?? "", v[13] ?? "",
            DateTimeOffset.FromUnixTimeSeconds(expires));
        problem = token.Problem();
        if (problem is null && !token.Canonical().AsSpan().SequenceEqual(payload))
        {
            problem = "not written canonically";
        }
        return problem is null ? token : null;
    }

    /// <summary>Null when every field has a shape AWS could have written and the plan's derived names agree.</summary>
    private string? Problem()
    {
        if (!AwsNames.IsAccountId(AccountId)) return "account is not an account id";
        if (!AwsNames.IsRegion(Region)) return "region is not a region";
        if (!AwsNames.IsApiId(ApiId)) return "api is not an API id";
        if (Stage is not null && !AwsNames.IsStageName(Stage)) return "stage is not a stage name";
        if (HttpMethod is not null && (HttpMethod.Length > 10 || !HttpMethod.All(c => char.IsAsciiLetterUpper(c)))) return "method is not an HTTP method";
        if (ResourcePath is not null && !IsPrintable(ResourcePath, 1024)) return "path has characters a route cannot have";
        if (RouteKey is not null && !IsPrintable(RouteKey, 1024)) return "route has characters a route cannot have";
        if (AuthorizerId is not null && (AuthorizerId.Length > 32 || !AuthorizerId.All(char.IsAsciiLetterOrDigit))) return "authorizer is not an authorizer id";
        if (PolicyRevisionId.Length > 64 || !PolicyRevisionId.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')) return "revision is not a revision id";
        if (Plan() is not { } plan || plan.Function.Arn != FunctionArn || plan.Qualifier != Qualifier) return "function is not a function ARN";
        if (plan.Function.AccountId != AccountId || plan.Function.Region != Region) return "the function is not in the token's account and region";
        if (plan.StatementId != StatementId || plan.SourceArn != SourceArn) return "the statement id or source ARN is not the plan's";
        return null;
    }

    // Printable ASCII without spaces at the ends: what API Gateway allows in a path or route key, and never a line break.
    private static bool IsPrintable(string s, int max) =>
        s.Length <= max && s.All(c => c is >= ' ' and <= '~') && s.Trim() == s;
}
