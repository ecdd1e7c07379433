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
    public static bool IsStageName(string? s) => s is not null && IsStageName(s.AsSpan());

    /// <summary>As <see cref="IsStageName(string?)"/>, on a value still in its log line (no string made to test it).</summary>
    internal static bool IsStageName(ReadOnlySpan<char> s)
    {
        if (s.SequenceEqual("$default"))
        {
            return true;
        }
        if (s.Length is 0 or > 128)
        {
            return false;
        }
        foreach (var c in s)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Account ids: exactly 12 digits.</summary>
    public static bool IsAccountId(string? s) => s is { Length: 12 } && FunctionRef.IsDigits(s);

    /// <summary>Region names: two letters, one or more lowercase words, a number (<c>us-east-1</c>, <c>us-gov-west-1</c>, <c>cn-northwest-1</c>).</summary>
    public static bool IsRegion(string? s) => s is not null && IsRegion(s.AsSpan());

    /// <summary>As <see cref="IsRegion(string?)"/>, on a value still in its log line: one pass over the parts, no split.</summary>
    internal static bool IsRegion(ReadOnlySpan<char> s)
    {
        if (s.Length is < 6 or > 32)
        {
            return false;
        }
        var first = s.IndexOf('-');
        var last = s.LastIndexOf('-');
        if (first != 2 || last == first || !IsLower(s[..2]))
        {
            return false;
        }
        var number = s[(last + 1)..];
        if (number.Length is < 1 or > 2 || !FunctionRef.IsDigits(number))
        {
            return false;
        }
        // The words between the two letters and the number: each one or more lowercase letters.
        var middle = s[(first + 1)..last];
        while (true)
        {
            var dash = middle.IndexOf('-');
            var word = dash < 0 ? middle : middle[..dash];
            if (word.IsEmpty || !IsLower(word))
            {
                return false;
            }
            if (dash < 0)
            {
                return true;
            }
            middle = middle[(dash + 1)..];
        }
    }

    private static bool IsLower(ReadOnlySpan<char> s) => !s.ContainsAnyExceptInRange('a', 'z');

    public static string? ApiIdOrNull(string? s) => IsApiId(s) ? s : null;

    public static string? StageOrNull(string? s) => IsStageName(s) ? s : null;

    public static string? AccountOrNull(string? s) => IsAccountId(s) ? s : null;

    public static string? RegionOrNull(string? s) => IsRegion(s) ? s : null;
}
