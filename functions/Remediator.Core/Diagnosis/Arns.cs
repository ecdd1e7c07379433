namespace Remediator.Core.Diagnosis;

/// <summary>A Lambda function ARN split into the unqualified ARN and its alias or version.</summary>
public sealed record FunctionRef(string Arn, string? Qualifier, string Partition, string Region, string AccountId, string Name)
{
    /// <summary>
    /// Parses <c>arn:aws:lambda:us-east-1:123456789012:function:name[:qualifier]</c>. Anything else (a partial ARN, a
    /// wildcard, an unresolved <c>${stageVariables.x}</c>) is refused: a guessed function is worse than none.
    /// </summary>
    public static FunctionRef? TryParse(ReadOnlySpan<char> text) =>
        TryParse(text, out var p)
            ? new FunctionRef(p.Arn.ToString(), p.Qualifier.IsEmpty ? null : p.Qualifier.ToString(), p.Partition.ToString(),
                p.Region.ToString(), p.AccountId.ToString(), p.Name.ToString())
            : null;

    /// <summary>As <see cref="TryParse(ReadOnlySpan{char})"/>, its parts left in <paramref name="text"/>: a reader that
    /// needs only some of them makes only those strings.</summary>
    internal static bool TryParse(ReadOnlySpan<char> text, out FunctionArnParts function)
    {
        function = default;
        text = text.Trim();
        Span<Range> parts = stackalloc Range[9];
        var count = text.Split(parts, ':');
        if (count is < 7 or > 8 || !text[parts[0]].SequenceEqual("arn") || !text[parts[2]].SequenceEqual("lambda")
            || !text[parts[5]].SequenceEqual("function"))
        {
            return false;
        }
        var partition = text[parts[1]];
        var region = text[parts[3]];
        var account = text[parts[4]];
        var name = text[parts[6]];
        if (!partition.StartsWith("aws") || !IsRegion(region) || !IsRegion(partition) || account.Length != 12 || !IsDigits(account)
            || name.IsEmpty || name.Length > 64 || !IsNameChars(name))
        {
            return false;
        }
        ReadOnlySpan<char> qualifier = default;
        if (count == 8)
        {
            qualifier = text[parts[7]];
            if (qualifier.IsEmpty || qualifier.Length > 128 || !IsNameChars(qualifier.TrimStart('$')))
            {
                return false;
            }
        }
        // "arn:{partition}:lambda:{region}:{account}:function:{name}", the text up to the name (each part was checked).
        function = new FunctionArnParts(text[..parts[6].End], qualifier, partition, region, account, name);
        return true;
    }

    /// <summary>Finds the ARN inside a Lambda invoke URI (<c>.../2015-03-31/functions/ARN/invocations</c>), percent-encoded or not.</summary>
    public static FunctionRef? FromInvokeUri(ReadOnlySpan<char> uri)
    {
        var arn = ArnInInvokeUri(uri, out var found);
        return found ? TryParse(arn) : null;
    }

    /// <summary>As <see cref="FromInvokeUri(ReadOnlySpan{char})"/>, its parts left in the URI (or in its unescaped copy).</summary>
    internal static bool FromInvokeUri(ReadOnlySpan<char> uri, out FunctionArnParts function)
    {
        var arn = ArnInInvokeUri(uri, out var found);
        function = default;
        return found && TryParse(arn, out function);
    }

    private static ReadOnlySpan<char> ArnInInvokeUri(ReadOnlySpan<char> uri, out bool found)
    {
        const string marker = "/functions/";
        found = false;
        var start = uri.IndexOf(marker, StringComparison.Ordinal);
        if (start < 0)
        {
            return default;
        }
        var rest = uri[(start + marker.Length)..];
        var end = rest.IndexOf("/invocations", StringComparison.Ordinal);
        if (end < 0)
        {
            return default;
        }
        found = true;
        var arn = rest[..end];
        if (arn.Contains('%'))
        {
            return Uri.UnescapeDataString(arn.ToString());
        }
        return arn;
    }

    /// <summary>Regions and partitions are lower-case letters, digits and dashes: no wildcard ever passes.</summary>
    private static bool IsRegion(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c != '-')
            {
                return false;
            }
        }
        return !s.IsEmpty;
    }

    internal static bool IsDigits(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        return !s.IsEmpty;
    }

    private static bool IsNameChars(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_' and not '.')
            {
                return false;
            }
        }
        return true;
    }
}

/// <summary>An <c>execute-api</c> ARN as API Gateway passes it to Lambda: <c>arn:aws:execute-api:region:account:api/stage/METHOD/path</c>.</summary>
public sealed record ExecuteApiRef(string Partition, string Region, string AccountId, string ApiId, string? Stage, string? Method, string? Path)
{
    /// <summary>Whether a value from a log can be an API id (letters and digits only: never a wildcard or a separator).</summary>
    public static bool IsApiId(string? value) => value is not null && FunctionRefChars.IsApiId(value);

    public static ExecuteApiRef? TryParse(ReadOnlySpan<char> text)
    {
        Span<Range> parts = stackalloc Range[7];
        var count = text.Split(parts, ':');
        if (count != 6 || !text[parts[0]].SequenceEqual("arn") || !text[parts[2]].SequenceEqual("execute-api"))
        {
            return null;
        }
        var resource = text[parts[5]];
        var slash = resource.IndexOf('/');
        var apiId = slash < 0 ? resource : resource[..slash];
        if (apiId.IsEmpty || !FunctionRefChars.IsApiId(apiId) || !FunctionRef.IsDigits(text[parts[4]]))
        {
            return null;
        }
        string? stage = null, method = null, path = null;
        if (slash >= 0)
        {
            var tail = resource[(slash + 1)..];
            var s2 = tail.IndexOf('/');
            stage = (s2 < 0 ? tail : tail[..s2]).ToString();
            if (s2 >= 0)
            {
                var afterStage = tail[(s2 + 1)..];
                var s3 = afterStage.IndexOf('/');
                method = (s3 < 0 ? afterStage : afterStage[..s3]).ToString();
                path = s3 < 0 ? "/" : afterStage[s3..].ToString();
            }
        }
        // The console's test invocations use the stage "null": there is no deployed stage to report.
        if (stage is "null" or "" or "*")
        {
            stage = null;
        }
        return new ExecuteApiRef(text[parts[1]].ToString(), text[parts[3]].ToString(), text[parts[4]].ToString(),
            apiId.ToString(), stage, method is "" or "*" ? null : method, path);
    }
}

/// <summary>The parts of a function ARN, as spans of the text they were read from (see <see cref="FunctionRef.TryParse(ReadOnlySpan{char}, out FunctionArnParts)"/>).</summary>
/// <param name="Arn">The unqualified ARN.</param>
/// <param name="Qualifier">The alias or version; empty when the ARN has none.</param>
internal readonly ref struct FunctionArnParts(ReadOnlySpan<char> Arn, ReadOnlySpan<char> Qualifier, ReadOnlySpan<char> Partition,
    ReadOnlySpan<char> Region, ReadOnlySpan<char> AccountId, ReadOnlySpan<char> Name)
{
    public ReadOnlySpan<char> Arn { get; } = Arn;
    public ReadOnlySpan<char> Qualifier { get; } = Qualifier;
    public ReadOnlySpan<char> Partition { get; } = Partition;
    public ReadOnlySpan<char> Region { get; } = Region;
    public ReadOnlySpan<char> AccountId { get; } = AccountId;
    public ReadOnlySpan<char> Name { get; } = Name;
}

internal static class FunctionRefChars
{
    /// <summary>API Gateway ids are 10 lowercase letters and digits; accept a little more, never separators.</summary>
    public static bool IsApiId(ReadOnlySpan<char> s)
    {
        if (s.Length is < 1 or > 32)
        {
            return false;
        }
        foreach (var c in s)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }
        return true;
    }
}
