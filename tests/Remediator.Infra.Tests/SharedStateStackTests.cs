using System.Text.Json;
using Remediator.Function;
using Remediator.Function.State;

namespace Remediator.Infra.Tests;

/// <summary>The shared state table: on by default, off with sharedState=false, and exactly the item calls the function makes.</summary>
public sealed class SharedStateStackTests
{
    private static IEnumerable<JsonElement> Resources(JsonElement template, string type) =>
        template.GetProperty("Resources").EnumerateObject().Select(r => r.Value).Where(r => r.GetProperty("Type").GetString() == type);

    private static JsonElement Variables(JsonElement t) =>
        Resources(t, "AWS::Lambda::Function").ShouldHaveSingleItem().GetProperty("Properties").GetProperty("Environment").GetProperty("Variables");

    [Fact]
    public void Default_OneOnDemandEncryptedTableWithTtlAndTheFunctionNamesIt()
    {
        var t = StackTests.Synth(("restApis", "abc123defg/prod"));

        var table = Resources(t, "AWS::DynamoDB::Table").ShouldHaveSingleItem();
        var p = table.GetProperty("Properties");
        p.GetProperty("BillingMode").GetString().ShouldBe("PAY_PER_REQUEST");
        p.GetProperty("KeySchema").GetRawText().ShouldBe("""[{"AttributeName":"pk","KeyType":"HASH"}]""");
        p.GetProperty("AttributeDefinitions").GetRawText().ShouldBe("""[{"AttributeName":"pk","AttributeType":"S"}]""");
        p.GetProperty("TimeToLiveSpecification").GetProperty("AttributeName").GetString().ShouldBe(DynamoDbSharedState.ExpiresAttribute);
        p.GetProperty("TimeToLiveSpecification").GetProperty("Enabled").GetBoolean().ShouldBeTrue();
        p.GetProperty("SSESpecification").GetProperty("SSEEnabled").GetBoolean().ShouldBeTrue();
        p.GetProperty("PointInTimeRecoverySpecification").GetProperty("PointInTimeRecoveryEnabled").GetBoolean().ShouldBeFalse();
        table.GetProperty("DeletionPolicy").GetString().ShouldBe("Delete");
        var tableId = t.GetProperty("Resources").EnumerateObject().Single(r => r.Value.GetProperty("Type").GetString() == "AWS::DynamoDB::Table").Name;
        Variables(t).GetProperty(OptionNames.StateTable).GetRawText().ShouldBe($$"""{"Ref":"{{tableId}}"}""");
    }

    [Fact]
    public void Default_FunctionMayGetPutUpdateDeleteItemsOnThatTableOnly()
    {
        var t = StackTests.Synth(("restApis", "abc123defg/prod"));

        var dynamo = TemplateText.IamLines(t).Where(l => l.Contains("dynamodb:", StringComparison.Ordinal)).ShouldHaveSingleItem();
        dynamo.ShouldBe("Allow dynamodb:DeleteItem,dynamodb:GetItem,dynamodb:PutItem,dynamodb:UpdateItem on ${SharedStateTable.Arn}");
    }

    [Fact]
    public void SharedStateFalse_NoTableNoGrantNoVariable()
    {
        var t = StackTests.Synth(("restApis", "abc123defg/prod"), ("sharedState", "false"));

        Resources(t, "AWS::DynamoDB::Table").ShouldBeEmpty();
        TemplateText.IamLines(t).ShouldNotContain(l => l.Contains("dynamodb:", StringComparison.Ordinal));
        Variables(t).TryGetProperty(OptionNames.StateTable, out _).ShouldBeFalse();
    }

    [Fact]
    public void SharedState_NotTrueOrFalse_Refused()
    {
        Should.Throw<ConfigException>(() => StackTests.Synth(("restApis", "abc123defg/prod"), ("sharedState", "maybe"))).Message.ShouldContain("sharedState");
    }
}
