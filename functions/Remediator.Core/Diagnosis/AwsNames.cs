namespace Remediator.Core.Diagnosis;

/// <summary>
/// The shapes AWS gives its names. A value taken from a log line, an access-log entry or a log group name is used
/// (in a request path, an ARN, a statement id, a command in a message) only when it has its shape: anyone who can
/// write a log line could otherwise put <c>*</c> or <c>../</c> where an API id goes.
/// </summary>
public static class AwsNames
{
    /// <summary>API Gateway API ids: letters and digits, at most 32 (real ones are 10 lowercase).</summary>
    public static bool IsApiId(string? s) => ExecuteApiRef.IsApiId(s);

    /// <summary>Stage names: letters, digits, <c>-</c> and <c>_</c>, at most 128; or HTTP APIs' <c>$default</c>.</summary>
    public static bool IsStageName(string? s) =>
        s == "$default" || (s is { Length: > 0 and <= 128 } && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));

    /// <summary>Account ids: exactly 12 digits.</summary>
    public static bool IsAccountId(string? s) => s is { Length: 12 } && s.All(char.IsAsciiDigit);

    /// <summary>Region names: two letters, one or more lowercase words, a number (<c>us-east-1</c>, <c>us-gov-west-1</c>, <c>cn-northwest-1</c>).</summary>
    public static bool IsRegion(string? s)
    {
        if (s is not { Length: >= 6 and <= 32 })
        {
            return false;
        }
        var parts = s.Split('-');
        if (parts.Length < 3 || parts[0].Length != 2 || !parts[0].All(char.IsAsciiLetterLower)
            || parts[^1].Length is < 1 or > 2 || !parts[^1].All(char.IsAsciiDigit))
        {
            return false;
        }
        return parts[1..^1].All(p => p.Length > 0 && p.All(char.IsAsciiLetterLower));
    }

    public static string? ApiIdOrNull(string? s) => IsApiId(s) ? s : null;

    public static string? StageOrNull(string? s) => IsStageName(s) ? s : null;

    public static string? AccountOrNull(string? s) => IsAccountId(s) ? s : null;

    public static string? RegionOrNull(string? s) => IsRegion(s) ? s : null;
}
