namespace Remediator.Function.Tests;

/// <summary>Configuration is read once and validated: a bad value fails the cold start, naming the variable.</summary>
public class FunctionOptionsTests
{
    private const string Topic = "arn:aws:sns:us-east-1:123456789012:findings";

    private static FunctionOptions Load(params (string Key, string Value)[] values)
    {
        var env = values.ToDictionary(v => v.Key, v => v.Value);
        return FunctionOptions.Load(name => env.GetValueOrDefault(name));
    }

    [Fact]
    public void Load_OnlyTopic_DocumentedDefaults()
    {
        var o = Load((OptionNames.TopicArn, Topic), ("AWS_REGION", "eu-west-1"));

        o.TopicArn.ShouldBe(Topic);
        o.Cooldown.ShouldBe(TimeSpan.FromMinutes(15));
        o.MaxDecompressedBytes.ShouldBe(16L * 1024 * 1024);
        o.LogLevel.ShouldBe(LogLevel.Info);
        o.TimeBudget.ShouldBe(TimeSpan.FromSeconds(50));
        o.Region.ShouldBe("eu-west-1");
    }

    [Fact]
    public void Load_AllSet_Read()
    {
        var o = Load((OptionNames.TopicArn, Topic), (OptionNames.CooldownMinutes, "0"), (OptionNames.MaxDecompressedMb, "4"),
            (OptionNames.LogLevel, "DEBUG"), (OptionNames.TimeBudgetSeconds, "25"), ("AWS_DEFAULT_REGION", "ap-south-1"), (OptionNames.AlertMinRequests, "5"));

        o.Cooldown.ShouldBe(TimeSpan.Zero);
        o.AlertMinRequests.ShouldBe(5);
        o.MaxDecompressedBytes.ShouldBe(4L * 1024 * 1024);
        o.LogLevel.ShouldBe(LogLevel.Debug);
        o.TimeBudget.ShouldBe(TimeSpan.FromSeconds(25));
        o.Region.ShouldBe("ap-south-1");
    }

    [Theory]
    [InlineData(null, null, "REMEDIATOR_TOPIC_ARN is not set")]
    [InlineData("arn:aws:sqs:us-east-1:123456789012:q", null, "REMEDIATOR_TOPIC_ARN is not an SNS topic ARN")]
    [InlineData(Topic, "REMEDIATOR_COOLDOWN_MINUTES=soon", "REMEDIATOR_COOLDOWN_MINUTES must be a whole number of minutes from 0 to 1440, got 'soon'")]
    [InlineData(Topic, "REMEDIATOR_COOLDOWN_MINUTES=-5", "REMEDIATOR_COOLDOWN_MINUTES")]
    [InlineData(Topic, "REMEDIATOR_MAX_DECOMPRESSED_MB=0", "REMEDIATOR_MAX_DECOMPRESSED_MB")]
    [InlineData(Topic, "REMEDIATOR_LOG_LEVEL=loud", "REMEDIATOR_LOG_LEVEL must be debug, info, warn or error")]
    [InlineData(Topic, "REMEDIATOR_TIME_BUDGET_SECONDS=9999", "REMEDIATOR_TIME_BUDGET_SECONDS")]
    [InlineData(Topic, "REMEDIATOR_ALERT_MIN_REQUESTS=0", "REMEDIATOR_ALERT_MIN_REQUESTS must be a whole number of failed requests from 1 to 1000000, got '0'")]
    public void Load_InvalidValue_FailsNamingTheVariable(string? topic, string? setting, string expected)
    {
        var values = new List<(string, string)>();
        if (topic is not null) values.Add((OptionNames.TopicArn, topic));
        if (setting is not null) values.Add((setting.Split('=')[0], setting.Split('=')[1]));

        Should.Throw<OptionsException>(() => Load([.. values])).Message.ShouldContain(expected);
    }

    [Theory]
    [InlineData("*", "'*' is not a function ARN pattern")]
    [InlineData("arn:aws:lambda:*:*:function:*", "has region '*': it must be literal")]
    [InlineData("arn:aws:lambda:us-east-1:*:function:*", "has account '*': it must be a literal 12-digit account id")]
    [InlineData("arn:*:lambda:us-east-1:123456789012:function:books", "has partition '*': it must be literal")]
    [InlineData("arn:aws*:lambda:us-east-1:123456789012:function:books", "has partition 'aws*'")]
    [InlineData("arn:aws:lambda:us-east-?:123456789012:function:books", "has region 'us-east-?'")]
    [InlineData("arn:aws:lambda:us-east-1:1234567890:function:books", "has account '1234567890'")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:books/x", "has function name 'books/x'")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:layer:books", "is not a function ARN pattern")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:books-*,*", "'*' is not a function ARN pattern")]
    public void Load_AllowedFunctionWiderThanOneAccountAndRegion_Fails(string value, string expected)
    {
        var e = Should.Throw<OptionsException>(() => Load((OptionNames.TopicArn, Topic), (OptionNames.RepairAllowedFunctions, value)));

        e.Message.ShouldContain(OptionNames.RepairAllowedFunctions);
        e.Message.ShouldContain(expected);
    }

    [Theory]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:*")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:books-?pi")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:books-api:live")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:books-api:*")]
    [InlineData("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:books")]
    [InlineData("arn:aws-cn:lambda:cn-north-1:123456789012:function:books")]
    public void Load_AllowedFunctionPatternInTheName_Accepted(string value)
    {
        Load((OptionNames.TopicArn, Topic), (OptionNames.RepairAllowedFunctions, value)).Repair.AllowedFunctions.ShouldBe([value]);
    }

    [Fact]
    public void Load_NoRepairApis_NoApiInScope()
    {
        var repair = Load((OptionNames.TopicArn, Topic), (OptionNames.RepairMode, "auto")).Repair;

        repair.Apis.ShouldBeEmpty();
        repair.AnyApi.ShouldBeFalse();
        repair.InScope("a1b2c3d4e5").ShouldBeFalse(); // empty is no API, not any API
    }

    [Fact]
    public void Load_NamedApis_OnlyThoseInScope()
    {
        var repair = Load((OptionNames.TopicArn, Topic), (OptionNames.RepairApis, "a1b2c3d4e5, zz99yy88xx")).Repair;

        repair.Apis.ShouldBe(["a1b2c3d4e5", "zz99yy88xx"]);
        repair.InScope("a1b2c3d4e5").ShouldBeTrue();
        repair.InScope("A1B2C3D4E5").ShouldBeFalse();
        repair.InScope("other12345").ShouldBeFalse();
    }

    [Fact]
    public void Load_AnyApiOptIn_EveryApiInScope()
    {
        var repair = Load((OptionNames.TopicArn, Topic), (OptionNames.RepairAnyApi, "TRUE")).Repair;

        repair.AnyApi.ShouldBeTrue();
        repair.InScope("a1b2c3d4e5").ShouldBeTrue();
    }

    [Theory]
    [InlineData(OptionNames.RepairApis, "*", "REMEDIATOR_REPAIR_APIS: '*' is not an API id")]
    [InlineData(OptionNames.RepairApis, "a1b2/prod", "REMEDIATOR_REPAIR_APIS: 'a1b2/prod' is not an API id")]
    [InlineData(OptionNames.RepairAnyApi, "yes", "REMEDIATOR_REPAIR_ANY_API must be true or false, got 'yes'")]
    public void Load_InvalidApiScope_FailsNamingTheVariable(string name, string value, string expected)
    {
        Should.Throw<OptionsException>(() => Load((OptionNames.TopicArn, Topic), (name, value))).Message.ShouldContain(expected);
    }

    [Fact]
    public void Load_NamedApisAndAnyApi_Contradict()
    {
        Should.Throw<OptionsException>(() => Load((OptionNames.TopicArn, Topic), (OptionNames.RepairApis, "a1b2c3d4e5"), (OptionNames.RepairAnyApi, "true")))
            .Message.ShouldContain("contradict");
    }

    [Fact]
    public void Handler_ColdStartWithoutTopic_FailsWithTheVariableName()
    {
        Should.Throw<OptionsException>(() => Composition.Pipeline(_ => null, TimeProvider.System, TextWriter.Null))
            .Message.ShouldContain(OptionNames.TopicArn);
    }
}
