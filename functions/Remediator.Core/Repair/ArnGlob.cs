namespace Remediator.Core.Repair;

/// <summary>
/// IAM's wildcard matching: <c>*</c> any run of characters, <c>?</c> one character, case-sensitive. Linear time
/// (greedy with one backtrack point), so hostile patterns cannot blow up.
/// </summary>
public static class ArnGlob
{
    public static bool Matches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> value)
    {
        int p = 0, v = 0, star = -1, mark = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == value[v]))
            {
                p++;
                v++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = v;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }

    /// <summary>
    /// <c>ArnLike</c>: each of the six colon-separated components is matched on its own (the resource part keeps any
    /// further colons), so a <c>*</c> in the region cannot swallow the account.
    /// </summary>
    public static bool ArnLike(string pattern, string arn)
    {
        var p = pattern.Split(':', 6);
        var a = arn.Split(':', 6);
        if (p.Length != 6 || a.Length != 6)
        {
            return false;
        }
        for (var i = 0; i < 6; i++)
        {
            if (!Matches(p[i], a[i]))
            {
                return false;
            }
        }
        return true;
    }
}
