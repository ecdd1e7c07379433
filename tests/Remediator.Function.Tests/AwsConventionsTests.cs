using Remediator.Function.Aws;

namespace Remediator.Function.Tests;

/// <summary>Endpoints, region and their errors follow the AWS SDK and CLI conventions.</summary>
public class AwsConventionsTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] values)
    {
        var d = values.ToDictionary(v => v.Key, v => v.Value);
        return k => d.GetValueOrDefault(k);
    }

    [Theory]
    [InlineData("SNS", "sns", "http://127.0.0.1:1111/", "http://127.0.0.1:2222/", "http://127.0.0.1:1111/")]
    [InlineData("LAMBDA", "lambda", null, "http://127.0.0.1:2222/", "http://127.0.0.1:2222/")]
    [InlineData("API_GATEWAY", "apigateway", null, null, "https://apigateway.eu-west-1.amazonaws.com/")]
    public void Resolve_ServiceVariableBeatsTheGeneralOneBeatsTheRegionalEndpoint(string service, string prefix, string? specific, string? general, string expected)
    {
        var values = new List<(string, string)>();
        if (specific is not null) values.Add(("AWS_ENDPOINT_URL_" + service, specific));
        if (general is not null) values.Add(("AWS_ENDPOINT_URL", general));

        AwsEndpoints.Resolve(service, prefix, "eu-west-1", Env([.. values])).ToString().ShouldBe(expected);
    }

    [Fact]
    public void Resolve_ChinaRegion_ChinaPartitionSuffix() =>
        AwsEndpoints.Resolve("SNS", "sns", "cn-north-1", Env()).ToString().ShouldBe("https://sns.cn-north-1.amazonaws.com.cn/");

    [Fact]
    public void Resolve_NotAUrl_ErrorNamesTheVariable() =>
        Should.Throw<ArgumentException>(() => AwsEndpoints.Resolve("SNS", "sns", "eu-west-1", Env(("AWS_ENDPOINT_URL_SNS", "localhost:4566"))))
            .Message.ShouldContain("AWS_ENDPOINT_URL_SNS");

    [Fact]
    public void Region_EnvironmentThenDefaultThenProfile()
    {
        var config = Path.GetTempFileName();
        File.WriteAllLines(config, ["[default]", "region = us-west-2", "", "[profile dev]", "output = json", "region = ap-southeast-2"]);

        AwsRegion.Resolve(Env(("AWS_REGION", "eu-west-1"), ("AWS_DEFAULT_REGION", "eu-central-1"), ("AWS_CONFIG_FILE", config))).ShouldBe("eu-west-1");
        AwsRegion.Resolve(Env(("AWS_DEFAULT_REGION", "eu-central-1"), ("AWS_CONFIG_FILE", config))).ShouldBe("eu-central-1");
        AwsRegion.Resolve(Env(("AWS_PROFILE", "dev"), ("AWS_CONFIG_FILE", config))).ShouldBe("ap-southeast-2");
        AwsRegion.Resolve(Env(("AWS_CONFIG_FILE", config))).ShouldBe("us-west-2");
        AwsRegion.Resolve(Env(("AWS_PROFILE", "missing"), ("AWS_CONFIG_FILE", config))).ShouldBeNull();
        AwsRegion.Resolve(Env()).ShouldBeNull();
    }

    [Fact]
    public void Repair_NoRegionAnywhere_ClearErrorNamingTheVariable()
    {
        var options = FunctionOptions.Load(Env(("REMEDIATOR_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:t"), ("REMEDIATOR_REPAIR_MODE", "dry-run")));

        Should.Throw<OptionsException>(() => Composition.Repairer(options, Env(), TimeProvider.System)).Message.ShouldContain("AWS_REGION");
    }

    [Fact]
    public void SnsClient_TopicRegionWinsOverTheDefault()
    {
        var publisher = Composition.Sns("arn:aws:sns:ap-south-1:123456789012:t", Env(("AWS_REGION", "eu-west-1")), TimeProvider.System);

        publisher.TopicArn.ShouldBe("arn:aws:sns:ap-south-1:123456789012:t");
        publisher.Endpoint.ToString().ShouldBe("https://sns.ap-south-1.amazonaws.com/");
    }
}
