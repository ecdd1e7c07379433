using Remediator.Core.Diagnosis;

namespace Remediator.Core.Tests;

/// <summary><see cref="RequestEvidence.Token"/> ends where a test of every char against white space, the quote and the stops ends.</summary>
public class TokenTests
{
    [Fact]
    public void TokenEnds_NoWhiteSpaceAfterTheLastOne()
    {
        for (var c = (int)RequestEvidence.LastWhiteSpace + 1; c <= char.MaxValue; c++)
        {
            char.IsWhiteSpace((char)c).ShouldBeFalse($"U+{c:X4}");
        }
        char.IsWhiteSpace(RequestEvidence.LastWhiteSpace).ShouldBeTrue();
    }

    [Theory]
    [InlineData("  https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations rest", "")]
    [InlineData("a1b2c3d4e5.execute-api.us-east-1.amazonaws.com, Accept=x}", ",}")]
    [InlineData("a1b2c3d4e5.execute-api.us-east-1.amazonaws.com}", ",}")]
    [InlineData("GET, Resource Path: /x", ",")]
    [InlineData("id-1.\u00a0next", "")]
    [InlineData("id-2\u3000next", "")]
    [InlineData("id\"3 next", ",")]
    [InlineData("stage/prod...", "")]
    [InlineData("", ",")]
    [InlineData("   ", "")]
    public void Token_AsACharByCharLoop(string text, string stops)
    {
        RequestEvidence.Token(text, stops).ToString().ShouldBe(CharByChar(text, stops));
    }

    private static string CharByChar(string s, string stops)
    {
        s = s.TrimStart(' ');
        var end = 0;
        while (end < s.Length && !char.IsWhiteSpace(s[end]) && s[end] != '"' && !stops.Contains(s[end]))
        {
            end++;
        }
        return s[..end].TrimEnd('.');
    }
}
