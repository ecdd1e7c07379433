using System.Text;
using System.Text.RegularExpressions;

namespace Remediator.Core.Notify;

/// <summary>
/// Removes what looks like a secret or personal data from text that leaves the account or lands in our own logs:
/// e-mail addresses, AWS access keys, bearer tokens and JWTs, long opaque tokens, card-like digit runs. Then it
/// neutralises chat control text (Slack mentions, links, backticks) and control characters, so that a function's
/// error message cannot page a channel or forge a link.
/// </summary>
public static partial class Scrubber
{
    /// <summary>Scrubbed and neutralised text, cut to <paramref name="max"/> characters.</summary>
    public static string Clean(string? text, int max = 300)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }
        if (text.Length > 8 * max)
        {
            text = text[..(8 * max)]; // bound the work: scrub only what can be shown
        }
        string s;
        try
        {
            s = Email().Replace(text, "[email]");
            s = AccessKey().Replace(s, "[aws-key]");
            s = Bearer().Replace(s, "$1 [token]");
            s = Jwt().Replace(s, "[token]");
            s = Secret().Replace(s, "$1=[redacted]");
            s = CardLike().Replace(s, "[number]");
            s = LongToken().Replace(s, "[token]");
        }
        catch (RegexMatchTimeoutException)
        {
            return "[text withheld: it could not be scrubbed in time]"; // never let unscrubbed text through
        }
        s = Neutralise(s);
        return s.Length > max ? s[..max] + "…" : s;
    }

    /// <summary>
    /// Chat and markdown control text made inert: Slack's <c>&lt;!channel&gt;</c>/<c>&lt;@U123&gt;</c>/<c>&lt;url|text&gt;</c> forms lose
    /// their angle brackets, <c>@here</c>/<c>@channel</c> lose their at sign, backticks become quotes, control
    /// characters and newlines become spaces.
    /// </summary>
    public static string Neutralise(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            sb.Append(c switch
            {
                '<' => '‹',
                '>' => '›',
                '`' => '\'',
                '\r' or '\n' or '\t' => ' ',
                _ when char.IsControl(c) => ' ',
                _ => c,
            });
        }
        var s = sb.ToString();
        s = Mention().Replace(s, "$1");
        return s;
    }

    // Source-generated, so they cost nothing at start-up (a NonBacktracking regex is built at run time: 24 ms of a
    // Native AOT cold start). Repetitions are bounded and do not overlap, so matching stays linear; the timeout is
    // the last guard.
    private const int TimeoutMs = 250;

    [GeneratedRegex(@"[A-Za-z0-9._%+\-]{1,64}@(?:[A-Za-z0-9\-]{1,63}\.){1,8}[A-Za-z]{2,24}", RegexOptions.None, TimeoutMs)]
    private static partial Regex Email();

    [GeneratedRegex(@"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b", RegexOptions.None, TimeoutMs)]
    private static partial Regex AccessKey();

    [GeneratedRegex(@"\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=\-]{8,}", RegexOptions.IgnoreCase, TimeoutMs)]
    private static partial Regex Bearer();

    [GeneratedRegex(@"\beyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}(?:\.[A-Za-z0-9_\-]*)?", RegexOptions.None, TimeoutMs)]
    private static partial Regex Jwt();

    [GeneratedRegex(@"\b(password|passwd|secret|api[_\-]?key|token|authorization|x-api-key|aws_secret_access_key)\s*[=:]\s*[^\s,;&""']+", RegexOptions.IgnoreCase, TimeoutMs)]
    private static partial Regex Secret();

    [GeneratedRegex(@"\b\d(?:[ \-]?\d){12,18}\b", RegexOptions.None, TimeoutMs)]
    private static partial Regex CardLike();

    [GeneratedRegex(@"[A-Za-z0-9+/=_]{32,}", RegexOptions.None, TimeoutMs)]
    private static partial Regex LongToken();

    [GeneratedRegex(@"@(here|channel|everyone)\b", RegexOptions.IgnoreCase, TimeoutMs)]
    private static partial Regex Mention();
}
