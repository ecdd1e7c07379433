using System.Text.Json;
using System.Text.RegularExpressions;

namespace Remediator.Infra.Tests;

/// <summary>
/// Renders a synthesized template's policy statements as one line each, so a test can compare every statement with
/// an expected list: <c>Allow a:X,a:Y on R1 | R2 if {condition}</c>. References print as <c>${Logical}</c> and
/// <c>${Logical.Attr}</c> with CDK's 8-character hash removed, so the lists survive construct-path hashes.
/// </summary>
public static partial class TemplateText
{
    public static string Token(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Array => string.Join(",", e.EnumerateArray().Select(Token)),
        JsonValueKind.Object when e.TryGetProperty("Ref", out var r) => "${" + Logical(r.GetString()!) + "}",
        JsonValueKind.Object when e.TryGetProperty("Fn::GetAtt", out var a) => "${" + Logical(a[0].GetString()!) + "." + a[1].GetString() + "}",
        JsonValueKind.Object when e.TryGetProperty("Fn::Join", out var j) => string.Join(j[0].GetString(), j[1].EnumerateArray().Select(Token)),
        _ => e.GetRawText(),
    };

    private static string Logical(string id) => id.StartsWith("AWS::", StringComparison.Ordinal) ? id : Hash().Replace(id, "");

    [GeneratedRegex("[0-9A-F]{8}$")]
    private static partial Regex Hash();

    private static IEnumerable<string> Many(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().Select(Token) : [Token(e)];

    public static string Statement(JsonElement s)
    {
        var text = $"{s.GetProperty("Effect").GetString()} {string.Join(",", Many(s.GetProperty("Action")).Order(StringComparer.Ordinal))}";
        if (s.TryGetProperty("Principal", out var p))
        {
            text += " by " + (p.ValueKind == JsonValueKind.String ? p.GetString() : string.Join(",", p.EnumerateObject().Select(o => $"{o.Name}:{string.Join(",", Many(o.Value))}")));
        }
        text += " on " + string.Join(" | ", Many(s.GetProperty("Resource")).Order(StringComparer.Ordinal));
        if (s.TryGetProperty("Condition", out var c))
        {
            text += " if " + string.Join(" & ", c.EnumerateObject().SelectMany(op => op.Value.EnumerateObject().Select(k => $"{op.Name} {k.Name}={string.Join(",", Many(k.Value))}")));
        }
        return text;
    }

    public static IEnumerable<JsonElement> Resources(JsonElement template, string type) =>
        template.GetProperty("Resources").EnumerateObject().Select(r => r.Value).Where(r => r.GetProperty("Type").GetString() == type);

    /// <summary>Every identity-policy statement of every role, and every role's managed policies, as lines.</summary>
    public static List<string> IamLines(JsonElement template)
    {
        var lines = Resources(template, "AWS::IAM::Policy")
            .SelectMany(p => p.GetProperty("Properties").GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray())
            .Select(Statement).ToList();
        foreach (var role in Resources(template, "AWS::IAM::Role").Select(r => r.GetProperty("Properties")))
        {
            if (role.TryGetProperty("Policies", out var inline))
            {
                lines.AddRange(inline.EnumerateArray().SelectMany(p => p.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray()).Select(Statement));
            }
            if (role.TryGetProperty("ManagedPolicyArns", out var managed))
            {
                lines.AddRange(Many(managed).Select(m => "Managed " + m));
            }
        }
        return lines.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The trust statements of every role.</summary>
    public static List<string> TrustLines(JsonElement template) =>
        Resources(template, "AWS::IAM::Role")
            .SelectMany(r => r.GetProperty("Properties").GetProperty("AssumeRolePolicyDocument").GetProperty("Statement").EnumerateArray())
            .Select(s => { var t = Statement(s.TryGetProperty("Resource", out _) ? s : With(s)); return t; }).Order(StringComparer.Ordinal).ToList();

    private static JsonElement With(JsonElement s)
    {
        var map = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(s.GetRawText())!;
        map["Resource"] = JsonDocument.Parse("\"-\"").RootElement.Clone();
        return JsonSerializer.SerializeToElement(map);
    }
}
