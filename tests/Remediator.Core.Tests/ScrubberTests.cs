using System.Text;
using System.Text.RegularExpressions;
using Remediator.Core.Notify;

namespace Remediator.Core.Tests;

/// <summary>The scrubber's scanners: what they remove, what they keep, and that they do what the former regexes did.</summary>
public class ScrubberTests
{
    [Theory]
    [InlineData("mail jane.doe+x@mail.example.co.uk now", "mail [email] now")]
    [InlineData("key AKIAIOSFODNN7EXAMPLE here", "key [aws-key] here")]
    [InlineData("sent Bearer abc.def-ghi_jkl", "sent Bearer [token]")]
    [InlineData("Authorization: Bearer abc.def-ghi_jkl", "Authorization=[redacted] [token]")]
    [InlineData("jwt eyJhbGciOi.eyJzdWIiOiIx.sig-nature_", "jwt [token]")]
    [InlineData("password = hunter2; user=bob", "password=[redacted]; user=bob")]
    [InlineData("card 4111-1111-1111-1111.", "card [number].")]
    [InlineData("sig 0123456789abcdef0123456789abcdef0 end", "sig [token] end")]
    [InlineData("ping @here and @Channel", "ping here and Channel")]
    [InlineData("[Reset password](https://evil.example/login)", "[Reset password] (https[:]//evil[.]example/login)")]
    [InlineData("go to http://10.0.0.1:8080/x now", "go to http[:]//10[.]0[.]0[.]1:8080/x now")]
    public void Clean_SecretOrPersonalData_Replaced(string text, string expected)
    {
        Scrubber.Clean(text).ShouldBe(expected);
    }

    [Theory]
    [InlineData("repair stays off until REMEDIATOR_REPAIR_ALLOWED_FUNCTIONS names it")]
    [InlineData("set AWS_LAMBDA_FUNCTION_INVOKE_PERMISSION_REQUIRED first")]
    [InlineData("GET /administration/settings/notifications/preferences")]
    [InlineData("AmazonLambdaClientConfigurationException thrown")]
    public void Clean_OurOwnWordsAndNames_Kept(string text)
    {
        Scrubber.Clean(text).ShouldBe(text);
    }

    [Fact]
    public void Clean_PathWithAnOpaqueSegment_KeepsThePathShape()
    {
        Scrubber.Clean("GET /users/8f14e45fceea167a5a36dedd4bea2543/orders/history").ShouldBe("GET /users/[token]/orders/history");
    }

    /// <summary>Inputs that make a backtracking matcher work hard: each is scrubbed, never withheld, the same every time.</summary>
    [Theory]
    [InlineData("eyJ-", 600)]
    [InlineData("a@", 1200)]
    [InlineData("a.", 1200)]
    [InlineData("1 ", 1200)]
    [InlineData("Bearer ", 340)]
    [InlineData("password", 300)]
    public void Clean_PathologicalRepetition_ScrubbedDeterministically(string unit, int times)
    {
        var text = string.Concat(Enumerable.Repeat(unit, times));

        var first = Scrubber.Clean(text, 300);

        first.ShouldNotContain("withheld");
        Scrubber.Clean(text, 300).ShouldBe(first);
        Oracle(text[..Math.Min(text.Length, 2400)], 300).ShouldBe(first);
    }

    /// <summary>Random text over an alphabet dense in the patterns' characters: the scanners and the former regexes agree.</summary>
    [Fact]
    public void Clean_RandomText_SameAsTheFormerRegexes()
    {
        var random = new Random(1313);
        string[] pieces =
        [
            "a", "b", "Z", "k", "0", "7", "9", "@", ".", "-", "_", "+", "/", "=", " ", "  ", ":", ",", ";", "'", "\"", "%", "~", "\n", "é", "\u0301", "\u0663",
            "AKIA", "ASIA", "eyJ", "Bearer ", "basic\t", "Token ", "password", "passwd", "secret", "api_key", "apikey", "x-api-key", "token",
            "authorization", "aws_secret_access_key", "here", "@channel", "@everyone", "example.com", "mail.co.uk", "1234 5678 ", "4111-1111-",
            "0123456789ABCDEF", "abcdefghijklmnop", "QUJDREVGR0hJSktMTU5PUA", "/users/", "://", "](", "[", "https", "evil.example",
        ];
        for (var n = 0; n < 4000; n++)
        {
            var sb = new StringBuilder();
            var length = random.Next(1, 60);
            for (var i = 0; i < length; i++)
            {
                sb.Append(pieces[random.Next(pieces.Length)]);
            }
            var text = sb.ToString();

            Scrubber.Clean(text, 2000).ShouldBe(Oracle(text, 2000), text);
        }
    }

    // The former patterns (backtracking engine, no timeout: the inputs here are small), with the new long-token rule.
    private static readonly (Regex Pattern, string? Replacement)[] Former =
    [
        (new(@"[A-Za-z0-9._%+\-]{1,64}@(?:[A-Za-z0-9\-]{1,63}\.){1,8}[A-Za-z]{2,24}"), "[email]"),
        (new(@"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"), "[aws-key]"),
        (new(@"\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=\-]{8,}", RegexOptions.IgnoreCase), "$1 [token]"),
        (new(@"\beyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}(?:\.[A-Za-z0-9_\-]*)?"), "[token]"),
        (new(@"\b(password|passwd|secret|api[_\-]?key|token|authorization|x-api-key|aws_secret_access_key)\s*[=:]\s*[^\s,;&""']+", RegexOptions.IgnoreCase), "$1=[redacted]"),
        (new(@"\b[0-9](?:[ \-]?[0-9]){12,18}\b"), "[number]"), // was \d: card numbers are ASCII digits
        (new(@"[A-Za-z0-9+/=_]{32,}"), null),
    ];

    private static readonly Regex Links = new(@"\]\(|://([A-Za-z0-9.\-]*)");

    private static readonly Regex FormerMention = new(@"@(here|channel|everyone)\b", RegexOptions.IgnoreCase);

    private static string Oracle(string text, int max)
    {
        if (text.Length > 8 * max)
        {
            text = text[..(8 * max)];
        }
        foreach (var (pattern, replacement) in Former)
        {
            text = replacement is null ? pattern.Replace(text, m => Scrubber.OpaqueRun(m.Value) ?? m.Value) : pattern.Replace(text, replacement);
        }
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            sb.Append(c switch { '<' => '‹', '>' => '›', '`' => '\'', '\r' or '\n' or '\t' => ' ', _ when char.IsControl(c) => ' ', _ => c });
        }
        var s = FormerMention.Replace(sb.ToString(), "$1");
        s = Links.Replace(s, m => m.Value == "](" ? "] (" : "[:]//" + m.Groups[1].Value.Replace(".", "[.]", StringComparison.Ordinal));
        return s.Length > max ? s[..max] + "…" : s;
    }
}
