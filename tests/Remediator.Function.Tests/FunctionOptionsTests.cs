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
            (OptionNames.LogLevel, "DEBUG"), (OptionNames.TimeBudgetSeconds, "25"), ("AWS_DEFAULT_REGION", "ap-south-1"));

        o.Cooldown.ShouldBe(TimeSpan.Zero);
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
    public void Load_InvalidValue_FailsNamingTheVariable(string? topic, string? setting, string expected)
    {
        var values = new List<(string, string)>();
        if (topic is not null) values.Add((OptionNames.TopicArn, topic));
        if (setting is not null) values.Add((setting.Split('=')[0], setting.Split('=')[1]));

        Should.Throw<OptionsException>(() => Load([.. values])).Message.ShouldContain(expected);
    }

    [Fact]
    public void Handler_ColdStartWithoutTopic_FailsWithTheVariableName()
    {
        Should.Throw<OptionsException>(() => Composition.Pipeline(_ => null, TimeProvider.System, TextWriter.Null))
            .Message.ShouldContain(OptionNames.TopicArn);
    }
}
