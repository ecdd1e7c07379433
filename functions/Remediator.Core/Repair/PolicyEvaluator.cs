using System.Text.Json;

namespace Remediator.Core.Repair;

/// <summary>What a function's resource policy says about API Gateway invoking it from one API.</summary>
/// <param name="Allowed">A statement allows it (its Sid in <paramref name="AllowSid"/>).</param>
/// <param name="Denied">A Deny statement matches: no Allow we add would help.</param>
/// <param name="Unevaluated">Statements whose conditions we cannot evaluate (they are not counted as allowing).</param>
public sealed record PolicyVerdict(bool Allowed, string? AllowSid, bool Denied, string? DenySid, IReadOnlyList<string> Unevaluated);

/// <summary>
/// Evaluates a Lambda resource policy (the <c>Policy</c> string GetPolicy returns) for principal
/// <c>apigateway.amazonaws.com</c>, action <c>lambda:InvokeFunction</c>, and a request's SourceArn and SourceAccount,
/// with IAM's condition operators (<c>ArnLike</c>, <c>ArnEquals</c>, <c>StringLike</c>, <c>StringEquals</c>, and their
/// <c>IfExists</c> forms) and wildcards. A statement with a condition it cannot evaluate is never taken as allowing:
/// adding our scoped statement is harmless, missing a real gap is not.
/// </summary>
public static class PolicyEvaluator
{
    public const string ApiGatewayPrincipal = "apigateway.amazonaws.com";
    public const string InvokeAction = "lambda:InvokeFunction";

    public static PolicyVerdict Evaluate(string? policyJson, string sourceArn, string sourceAccount)
    {
        if (string.IsNullOrWhiteSpace(policyJson))
        {
            return new PolicyVerdict(false, null, false, null, []);
        }
        using var doc = JsonDocument.Parse(policyJson);
        var statements = doc.RootElement.TryGetProperty("Statement", out var s)
            ? s.ValueKind == JsonValueKind.Array ? s.EnumerateArray().ToList() : [s]
            : [];
        string? allow = null, deny = null;
        var unevaluated = new List<string>();
        var index = 0;
        foreach (var st in statements)
        {
            index++;
            var sid = st.TryGetProperty("Sid", out var sidEl) && sidEl.ValueKind == JsonValueKind.String ? sidEl.GetString()! : $"#{index}";
            if (st.TryGetProperty("NotPrincipal", out _) || st.TryGetProperty("NotAction", out _) || st.TryGetProperty("NotResource", out _))
            {
                unevaluated.Add(sid);
                continue;
            }
            if (!PrincipalMatches(st) || !ActionMatches(st))
            {
                continue;
            }
            var conditions = ConditionsMatch(st, sourceArn, sourceAccount);
            if (conditions is null)
            {
                unevaluated.Add(sid);
                continue;
            }
            if (!conditions.Value)
            {
                continue;
            }
            var effect = st.TryGetProperty("Effect", out var e) ? e.GetString() : null;
            if (effect == "Deny")
            {
                deny ??= sid;
            }
            else if (effect == "Allow")
            {
                allow ??= sid;
            }
        }
        return new PolicyVerdict(allow is not null && deny is null, allow, deny is not null, deny, unevaluated);
    }

    private static bool PrincipalMatches(JsonElement st)
    {
        if (!st.TryGetProperty("Principal", out var p))
        {
            return false;
        }
        if (p.ValueKind == JsonValueKind.String)
        {
            return p.GetString() == "*";
        }
        if (p.ValueKind != JsonValueKind.Object)
        {
            return false;
        }
        if (p.TryGetProperty("AWS", out var aws) && Values(aws).Contains("*"))
        {
            return true;
        }
        return p.TryGetProperty("Service", out var service) && Values(service).Any(v => v == ApiGatewayPrincipal);
    }

    private static bool ActionMatches(JsonElement st) =>
        st.TryGetProperty("Action", out var a) && Values(a).Any(v => ArnGlob.Matches(v.ToLowerInvariant(), InvokeAction.ToLowerInvariant()));

    /// <summary>True or false when every condition could be evaluated; null when one could not.</summary>
    private static bool? ConditionsMatch(JsonElement st, string sourceArn, string sourceAccount)
    {
        if (!st.TryGetProperty("Condition", out var condition) || condition.ValueKind != JsonValueKind.Object)
        {
            return true;
        }
        foreach (var op in condition.EnumerateObject())
        {
            var ifExists = op.Name.EndsWith("IfExists", StringComparison.Ordinal);
            var name = ifExists ? op.Name[..^"IfExists".Length] : op.Name;
            foreach (var key in op.Value.EnumerateObject())
            {
                string? actual = key.Name.ToLowerInvariant() switch
                {
                    "aws:sourcearn" => sourceArn,
                    "aws:sourceaccount" => sourceAccount,
                    _ => null,
                };
                if (actual is null)
                {
                    return null; // a key API Gateway may or may not send (PrincipalOrgID, ...): cannot say
                }
                var values = Values(key.Value).ToList();
                bool? ok = name switch
                {
                    "ArnLike" => values.Any(v => ArnGlob.ArnLike(v, actual)),
                    "ArnEquals" => values.Any(v => v == actual),
                    "StringLike" => values.Any(v => ArnGlob.Matches(v, actual)),
                    "StringEquals" => values.Any(v => v == actual),
                    "ArnNotLike" => !values.Any(v => ArnGlob.ArnLike(v, actual)),
                    "ArnNotEquals" or "StringNotEquals" => !values.Contains(actual),
                    "StringNotLike" => !values.Any(v => ArnGlob.Matches(v, actual)),
                    _ => null,
                };
                if (ok is null)
                {
                    return null;
                }
                if (!ok.Value)
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static IEnumerable<string> Values(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => [e.GetString()!],
        JsonValueKind.Array => e.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!),
        _ => [],
    };
}
