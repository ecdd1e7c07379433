using Remediator.Core.Diagnosis;

namespace Remediator.Core.Tests;

public class ProxyResponseShapeTests
{
    [Theory]
    [InlineData("\"hello\"", "bare JSON string")]
    [InlineData("[1,2]", "JSON array")]
    [InlineData("42", "bare JSON number")]
    [InlineData("null", "bare JSON null")]
    [InlineData("None", "not JSON")]
    [InlineData("OK", "not JSON")]
    [InlineData("{\"body\":\"{\\\"id\\\":1}\"}", "no `statusCode` (keys: body)")]
    [InlineData("{}", "empty object: no `statusCode`")]
    [InlineData("{\"statusCode\":200,\"body\":{\"id\":1,\"items\":[]}}", "`body` is an object with keys id, items, not a string")]
    [InlineData("{\"statusCode\":200,\"body\":[1]}", "`body` is an array, not a string")]
    [InlineData("{\"statusCode\":200,\"headers\":{\"x-count\":5},\"body\":\"ok\"}", "`headers.x-count` is a number, not a string")]
    [InlineData("{\"statusCode\":200,\"headers\":\"Content-Type: text/plain\",\"body\":\"ok\"}", "`headers` is a string, not an object")]
    [InlineData("{\"statusCode\":200,\"multiValueHeaders\":{\"a\":\"b\"},\"body\":\"ok\"}", "`multiValueHeaders.a` is a string, not an array of strings")]
    [InlineData("{\"statusCode\":200,\"isBase64Encoded\":\"true\",\"body\":\"ok\"}", "`isBase64Encoded` is a string, not true or false")]
    [InlineData("{\"statusCode\":\"OK\",\"body\":\"ok\"}", "`statusCode` is not a number")]
    [InlineData("{\"statusCode\":200,\"body\":\"ok\"}", "looks like a valid proxy response")]
    public void Describe_Body_NamesTheProblem(string body, string expected)
    {
        ProxyResponseShape.Describe(body).ShouldNotBeNull().ShouldContain(expected);
    }

    [Fact]
    public void Describe_TruncatedBody_ReadsAsFarAsItGoes()
    {
        var body = "{\"statusCode\":200,\"body\":{\"id\":1,\"title\":\"" + new string('a', 1000) + " [TRUNCATED]";

        ProxyResponseShape.Describe(body).ShouldNotBeNull().ShouldContain("`body` is an object");
    }

    [Fact]
    public void Describe_NeverRepeatsValues()
    {
        var description = ProxyResponseShape.Describe("{\"statusCode\":200,\"body\":{\"email\":\"jane@example.com\",\"card\":\"4111111111111111\"}}");

        description.ShouldNotBeNull();
        description.ShouldContain("email");
        description.ShouldNotContain("jane@example.com");
        description.ShouldNotContain("4111111111111111");
    }
}
