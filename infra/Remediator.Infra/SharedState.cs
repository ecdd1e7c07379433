using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.IAM;
using Constructs;
using Remediator.Function;
using Remediator.Function.State;

namespace Remediator.Infra;

/// <summary>
/// The table every execution environment shares (STATE_TABLE): the cooldown claims, the held-back counts and the
/// repair locks (functions/Remediator.Function/State). On by default: the function's reserved concurrency allows up
/// to <see cref="RemediatorStack.ReservedConcurrency"/> environments at once, and without a shared table each of them
/// would alert the same finding in its own cooldown window. <c>-c sharedState=false</c> leaves it out, and each
/// environment keeps its cooldown in memory as before.
/// </summary>
public sealed class SharedState : Construct
{
    /// <summary>Exactly the item calls the function makes on it (no Query, Scan or batch).</summary>
    public static readonly string[] Actions = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"];

    public SharedState(Construct scope, string id, Amazon.CDK.AWS.Lambda.Function function, IRole role) : base(scope, id)
    {
        Table = new Table(this, "Table", new TableProps
        {
            PartitionKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = DynamoDbSharedState.KeyAttribute, Type = AttributeType.STRING },
            // A few writes per finding and window: on demand costs nothing while the APIs are healthy.
            BillingMode = BillingMode.PAY_PER_REQUEST,
            // Claims and leases are worthless once expired: DynamoDB deletes them (the code never relies on when).
            TimeToLiveAttribute = DynamoDbSharedState.ExpiresAttribute,
            Encryption = TableEncryption.AWS_MANAGED,
            // Nothing here outlives a cooldown window or a lease (at most a day): a backup would restore stale claims.
            PointInTimeRecovery = false,
            // Deleting the stack loses at most one cooldown window (one repeated alert), so the table goes with it.
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "SharedState",
            Actions = Actions,
            Resources = [Table.TableArn],
        }));
        function.AddEnvironment(OptionNames.StateTable, Table.TableName);
    }

    public Table Table { get; }
}
