using System.Text;
using Amazon.Runtime;
using Remediator.Function.Aws;
using Remediator.Function.Tests.Support;
using Remediator.Testing;

namespace Remediator.Function.Tests;

/// <summary>Our SigV4 wrapper against known values, and the local endpoint's verifier against a wrong key.</summary>
public class SigningTests
{
    private static readonly ImmutableCredentials Suite = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);
    private static readonly DateTime At = new(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc);

    [Fact]
    public void Sign_LambdaGetPolicyWithQualifier_GoldenSignature()
    {
        // aws-wire-facts §5.3.7: AWSSDK.Core 4.1.0 at 2015-08-30T12:36:00Z, re-derived independently.
        var request = new AwsRequest(HttpMethod.Get, new Uri("https://lambda.us-east-1.amazonaws.com"), "/2015-03-31/functions/{FunctionName}/policy",
            "lambda", "us-east-1", PathValues: new Dictionary<string, string> { ["FunctionName"] = "arn:aws:lambda:us-east-1:123456789012:function:my-fn" },
            Query: new Dictionary<string, string> { ["Qualifier"] = "live" });

        using var signed = AwsRequestSigner.Sign(request, Suite, At);

        signed.Headers.GetValues("Authorization").Single().ShouldEndWith("SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=779378528931191c21e9f4364bfef2263540b982608625b049fd0f8daa76fee4");
        signed.RequestUri!.AbsoluteUri.ShouldBe("https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn/policy?Qualifier=live");
    }

    [Fact]
    public void Sign_FormPost_GoldenSignature()
    {
        var request = new AwsRequest(HttpMethod.Post, new Uri("https://example.amazonaws.com"), "/", "service", "us-east-1",
            Body: Encoding.UTF8.GetBytes("Param1=value1"), ContentType: "application/x-www-form-urlencoded");

        using var signed = AwsRequestSigner.Sign(request, Suite, At);

        signed.Headers.GetValues("Authorization").Single().ShouldEndWith("SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=3ae685fb42e386f9c46ad18dc31b73536a1fc7867dc5cdc8e34e4b1ee1fe5c50");
    }

    [Fact]
    public void Sign_SessionCredentials_TokenHeaderSetAndSigned()
    {
        var request = new AwsRequest(HttpMethod.Get, new Uri("https://example.amazonaws.com"), "/", "service", "us-east-1");

        using var signed = AwsRequestSigner.Sign(request, new ImmutableCredentials(Suite.AccessKey, Suite.SecretKey, "SESSIONTOKEN"), At);

        signed.Headers.GetValues("x-amz-security-token").ShouldBe(["SESSIONTOKEN"]);
        signed.Headers.GetValues("Authorization").Single().ShouldEndWith("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=73e1801ea89df71c5470ca51ef1e599d75bcb16f041fdbfa4daaf1043cc905bb");
    }

    [Fact]
    public async Task Verifier_WrongSecret_Rejected()
    {
        using var sns = new FakeSns();
        var publisher = Composition.Sns(TestEnvironment.TopicArn, TestEnvironment.Env(sns), TimeProvider.System,
            credentials: new StaticCredentials(secret: "not-the-secret"), retry: new Aws.RetryPolicy(MaxAttempts: 1));
        var message = Core.Notify.FindingMessages.Build(
            Core.Diagnosis.Diagnoser.Diagnose(File.OpenRead(TestEnvironment.Fixture("causes/throttled__execution.log")), Core.Ingest.LogContext.For("t")).Findings[0],
            new Core.Notify.AlertContext(null, "us-east-1"));

        var e = await Should.ThrowAsync<AwsCallException>(() => publisher.PublishAsync(message, DateTimeOffset.UtcNow.AddSeconds(10), default));

        e.Code.ShouldBe("SignatureDoesNotMatch");
        e.Status.ShouldBe(403);
        sns.Requests.ShouldHaveSingleItem().Signature.Valid.ShouldBeFalse();
    }

    [Theory]
    [InlineData("x-amzn-ErrorType", "ResourceNotFoundException:http://internal.amazon.com/coral/", "{\"Message\":\"Function not found\"}", "ResourceNotFoundException", "Function not found")]
    [InlineData(null, null, "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>", "Throttling", "Rate exceeded")]
    [InlineData(null, null, "{\"__type\":\"com.amazon.coral#TooManyRequestsException\",\"message\":\"slow down\"}", "TooManyRequestsException", "slow down")]
    [InlineData(null, null, "<html>oops", null, "<html>oops")]
    public void ParseError_AnyProtocol_CodeAndMessage(string? header, string? value, string body, string? code, string message)
    {
        var headers = header is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [header] = value! };

        var parsed = AwsHttp.ParseError(headers, Encoding.UTF8.GetBytes(body));

        parsed.Code.ShouldBe(code);
        parsed.Message.ShouldBe(message);
    }
}
