using System.Globalization;
using System.Net;

namespace Remediator.Function.Approval;

/// <summary>The environment variables of approve mode (REMEDIATOR_REPAIR_MODE=approve); the CDK stack sets them.</summary>
public static class ApprovalOptionNames
{
    public const string Url = "REMEDIATOR_APPROVAL_URL";
    public const string KeyId = "REMEDIATOR_APPROVAL_KEY_ID";
    public const string TtlMinutes = "REMEDIATOR_APPROVAL_TTL_MINUTES";
    public const string SourceCidrs = "REMEDIATOR_APPROVAL_SOURCE_CIDRS";

    public static IReadOnlyList<string> All { get; } = [Url, KeyId, TtlMinutes, SourceCidrs];
}

/// <summary>Approve-mode settings.</summary>
/// <param name="Url">The page's address (the function URL, or a domain in front of it). Null: the function asks Lambda
/// for its own function URL (lambda:GetFunctionUrlConfig) the first time it makes a link, since a stack cannot give a
/// function the address of its own URL without a dependency cycle.</param>
/// <param name="KeyId">The KMS HMAC key (KeySpec HMAC_256, KeyUsage GENERATE_VERIFY_MAC) that signs links. Required.</param>
/// <param name="Ttl">How long a link stays valid. Default 60 minutes (1 to 10080).</param>
/// <param name="SourceCidrs">Where approvals may come from (the caller's source IP); empty: anywhere, the signed link
/// being the credential.</param>
public sealed record ApprovalOptions(Uri? Url, string KeyId, TimeSpan Ttl, IReadOnlyList<IPNetwork> SourceCidrs)
{
    public static ApprovalOptions Load(Func<string, string?> env)
    {
        Uri? url = null;
        if (env(ApprovalOptionNames.Url) is { Length: > 0 } raw)
        {
            if (!Uri.TryCreate(raw.Trim(), UriKind.Absolute, out url) || url.Scheme is not ("https" or "http") || url.Query.Length > 0 || url.Fragment.Length > 0)
            {
                throw new OptionsException($"{ApprovalOptionNames.Url} must be the page's https address without a query, got '{raw}'");
            }
        }
        var key = env(ApprovalOptionNames.KeyId)?.Trim();
        if (string.IsNullOrEmpty(key) || key.Length > 2048 || key.Any(char.IsWhiteSpace))
        {
            throw new OptionsException($"{ApprovalOptionNames.KeyId} is not set: the id, ARN or alias of the KMS HMAC key (HMAC_256, GENERATE_VERIFY_MAC) that signs approval links");
        }
        var ttl = 60;
        if (env(ApprovalOptionNames.TtlMinutes) is { Length: > 0 } t
            && (!int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out ttl) || ttl is < 1 or > 10080))
        {
            throw new OptionsException($"{ApprovalOptionNames.TtlMinutes} must be a whole number of minutes from 1 to 10080, got '{t}'");
        }
        var cidrs = new List<IPNetwork>();
        foreach (var c in (env(ApprovalOptionNames.SourceCidrs) ?? "").Split([',', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!IPNetwork.TryParse(c, out var network))
            {
                throw new OptionsException($"{ApprovalOptionNames.SourceCidrs}: '{c}' is not a CIDR block (e.g. 203.0.113.0/24 or 2001:db8::/32)");
            }
            cidrs.Add(network);
        }
        return new ApprovalOptions(url, key, TimeSpan.FromMinutes(ttl), cidrs);
    }

    /// <summary>Whether an approval may come from <paramref name="sourceIp"/> (the function URL's requestContext.http.sourceIp).</summary>
    public bool Allows(string? sourceIp)
    {
        if (SourceCidrs.Count == 0)
        {
            return true;
        }
        if (!IPAddress.TryParse(sourceIp, out var ip))
        {
            return false;
        }
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }
        return SourceCidrs.Any(n => n.Contains(ip));
    }
}
