namespace CareLedger.Vault.Storage;

/// <summary>The vault's fixed statements, prepared once per connection by <see cref="StatementCache"/>.</summary>
internal static class Sql
{
    public const string SelectCompartmentByLookup =
        "SELECT id, pseudonym, kek_id, wrapped_dek FROM compartments WHERE patient_lookup = @lookup";

    public const string SelectCompartmentByPseudonym =
        "SELECT id, pseudonym, kek_id, wrapped_dek FROM compartments WHERE pseudonym = @pseudonym AND patient_lookup IS NOT NULL";

    public const string SelectPatientPseudonyms =
        "SELECT pseudonym FROM compartments WHERE patient_lookup IS NOT NULL";

    public const string SelectOrganisationCompartment =
        "SELECT id, pseudonym, kek_id, wrapped_dek FROM compartments WHERE patient_lookup IS NULL";

    public const string InsertCompartment =
        "INSERT INTO compartments (patient_lookup, pseudonym, kek_id, wrapped_dek, created_unix_ms) "
        + "VALUES (@lookup, @pseudonym, @kek, @wrapped, @now) RETURNING id";

    public const string IsErased = "SELECT count(*) FROM erased_records WHERE record_ref = @ref";

    public const string SelectResourceForWrite =
        "SELECT id, compartment_id, current_version FROM resources WHERE resource_type = @type AND logical_id = @id";

    public const string InsertResource =
        "INSERT INTO resources (resource_type, logical_id, compartment_id, current_version, current_deleted, last_updated_unix_ms) "
        + "VALUES (@type, @id, @compartment, 0, 0, 0) RETURNING id";

    public const string VersionExists = "SELECT count(*) FROM versions WHERE resource_id = @resource AND version = @version";

    public const string InsertVersion =
        "INSERT INTO versions (resource_id, version, deleted, last_updated_unix_ms, format, nonce, ciphertext, tag, commitment, committed, tx_id) "
        + "VALUES (@resource, @version, @deleted, @updated, @format, @nonce, @ciphertext, @tag, @commitment, 0, @tx) RETURNING id";

    /// <summary>
    /// Index entries of one staged version, <c>rows</c> at a time: one statement instead of one per entry (a resource has
    /// about ten). Parameters in order: <c>@staging</c>, then <c>@param{i}, @kind{i}, @token{i}, @number{i}, @start{i}, @end{i}</c>
    /// per row (<see cref="StagedIndexColumns"/> each). Multi-row VALUES is common SQL (SQLite and PostgreSQL).
    /// </summary>
    public static string InsertStagedIndex(int rows) => rows switch
    {
        1 => s_insertStagedIndex1,
        StagedIndexRowsPerStatement => s_insertStagedIndexMany,
        _ => throw new ArgumentOutOfRangeException(nameof(rows), rows, $"1 or {StagedIndexRowsPerStatement} rows per statement"),
    };

    public const int StagedIndexRowsPerStatement = 8;

    public const int StagedIndexColumns = 6;

    /// <summary>The parameter names of <see cref="InsertStagedIndex"/> in order (the longest statement's; shorter ones use a prefix).</summary>
    public static readonly string[] StagedIndexParameters =
    [
        "@staging",
        .. Enumerable.Range(0, StagedIndexRowsPerStatement).SelectMany(i =>
            new[] { $"@param{i}", $"@kind{i}", $"@token{i}", $"@number{i}", $"@start{i}", $"@end{i}" }),
    ];

    private static readonly string s_insertStagedIndex1 = BuildInsertStagedIndex(1);
    private static readonly string s_insertStagedIndexMany = BuildInsertStagedIndex(StagedIndexRowsPerStatement);

    private static string BuildInsertStagedIndex(int rows) =>
        "INSERT INTO staged_index (version_id, param, kind, token, number, start_ms, end_ms) VALUES "
        + string.Join(", ", Enumerable.Range(0, rows).Select(i => $"(@staging, @param{i}, @kind{i}, @token{i}, @number{i}, @start{i}, @end{i})"));

    /// <summary>
    /// A resource's first version is indexed straight into the search tables when it is staged (ADR 0015): no search sees
    /// it until its commit sets <c>resources.current_version</c> above 0 (every search filters on it), and dropping the
    /// version deletes its rows. The rows of every first version of one stage are inserted together, <c>rows</c> per
    /// statement (a power of two up to <see cref="LiveIndexRowsPerStatement"/>), each row with its own resource; parameters
    /// in order, per row: <c>@resource{i}</c>, <c>@type{i}</c>, then the table's columns (<see cref="LiveIndexColumns"/>).
    /// </summary>
    public static string InsertLiveIndex(IndexTable table, int rows) =>
        rows is > 0 and <= LiveIndexRowsPerStatement && (rows & (rows - 1)) == 0
            ? s_insertLiveIndex[(int)table][System.Numerics.BitOperations.Log2((uint)rows)]
            : throw new ArgumentOutOfRangeException(nameof(rows), rows, $"a power of two up to {LiveIndexRowsPerStatement} rows per statement");

    /// <summary>The most rows of one live index insert (a stage's rows go in statements of this many, the rest in halving sizes).</summary>
    public const int LiveIndexRowsPerStatement = 32;

    /// <summary>The number of parameters bound per row of <see cref="InsertLiveIndex"/> for <paramref name="table"/>.</summary>
    public static int LiveIndexParametersPerRow(IndexTable table) => 2 + s_liveIndexColumns[(int)table].Length;

    /// <summary>The parameter names of <see cref="InsertLiveIndex"/> for <paramref name="table"/> in order (the longest statement's).</summary>
    public static string[] LiveIndexParameters(IndexTable table) => s_liveIndexParameters[(int)table];

    /// <summary>The search table a row belongs to.</summary>
    public enum IndexTable
    {
        Token = 0,
        Number = 1,
        Date = 2,
    }

    private static readonly string[] s_liveIndexTables = ["token_index", "number_index", "date_index"];

    private static readonly string[][] s_liveIndexColumns = [["param", "kind", "token"], ["param", "value"], ["param", "start_ms", "end_ms"]];

    private static readonly string[][] s_liveIndexParameters = [.. Enumerable.Range(0, 3).Select(t => (string[])
    [
        .. Enumerable.Range(0, LiveIndexRowsPerStatement).SelectMany(i =>
            new[] { $"@resource{i}", $"@type{i}" }.Concat(s_liveIndexColumns[t].Select(c => $"@{c}{i}"))),
    ])];

    private static readonly string[][] s_insertLiveIndex = [.. Enumerable.Range(0, 3).Select(t => (string[])
        [.. Enumerable.Range(0, System.Numerics.BitOperations.Log2(LiveIndexRowsPerStatement) + 1).Select(b => BuildInsertLiveIndex(t, 1 << b))])];

    private static string BuildInsertLiveIndex(int table, int rows) =>
        $"INSERT INTO {s_liveIndexTables[table]} (resource_id, resource_type, {string.Join(", ", s_liveIndexColumns[table])}) VALUES "
        + string.Join(", ", Enumerable.Range(0, rows).Select(i =>
            $"(@resource{i}, @type{i}, {string.Join(", ", s_liveIndexColumns[table].Select(c => $"@{c}{i}"))})"))
        + OnRepeatedRow;

    /// <summary>
    /// A search table holds a row once per resource (its primary key, schema 2, ADR 0017): a repeated entry of one version
    /// (the same code twice) is skipped. Searches ask whether a resource has a row, so nothing they answer changes.
    /// </summary>
    private const string OnRepeatedRow = " ON CONFLICT DO NOTHING";

    public const string SelectStaged =
        "SELECT v.resource_id, v.version, v.deleted, v.last_updated_unix_ms, v.committed, v.tx_id, "
        + "r.resource_type, r.logical_id, r.current_version "
        + "FROM versions v JOIN resources r ON r.id = v.resource_id WHERE v.id = @staging";

    public const string MarkCommitted = "UPDATE versions SET committed = 1, tx_id = @tx WHERE id = @staging";

    public const string UpdateCurrent =
        "UPDATE resources SET current_version = @version, current_deleted = @deleted, last_updated_unix_ms = @updated WHERE id = @resource";

    public const string DeleteTokenIndex = "DELETE FROM token_index WHERE resource_id = @resource";
    public const string DeleteNumberIndex = "DELETE FROM number_index WHERE resource_id = @resource";
    public const string DeleteDateIndex = "DELETE FROM date_index WHERE resource_id = @resource";

    public const string PublishTokens =
        "INSERT INTO token_index (resource_id, resource_type, param, kind, token) "
        + "SELECT @resource, @type, param, kind, token FROM staged_index WHERE version_id = @staging AND token IS NOT NULL" + OnRepeatedRow;

    public const string PublishNumbers =
        "INSERT INTO number_index (resource_id, resource_type, param, value) "
        + "SELECT @resource, @type, param, number FROM staged_index WHERE version_id = @staging AND number IS NOT NULL" + OnRepeatedRow;

    public const string PublishDates =
        "INSERT INTO date_index (resource_id, resource_type, param, start_ms, end_ms) "
        + "SELECT @resource, @type, param, start_ms, end_ms FROM staged_index WHERE version_id = @staging AND start_ms IS NOT NULL" + OnRepeatedRow;

    public const string DeleteStagedIndex = "DELETE FROM staged_index WHERE version_id = @staging";

    /// <summary>The versions pending under one ledger transaction (the partial index holds only pending versions).</summary>
    public const string SelectPendingOfTransaction =
        "SELECT v.id, v.version, r.resource_type, r.logical_id, r.current_version "
        + "FROM versions v JOIN resources r ON r.id = v.resource_id WHERE v.committed = 0 AND v.tx_id = @tx";

    /// <summary>Resources whose earlier index entries a transaction replaces: a first version's rows are already the live ones.</summary>
    private const string ResourcesOfTransaction = "(SELECT resource_id FROM versions WHERE committed = 0 AND tx_id = @tx AND version > 1)";

    private const string PublishFromTransaction =
        "FROM versions v JOIN resources r ON r.id = v.resource_id JOIN staged_index s ON s.version_id = v.id "
        + "WHERE v.committed = 0 AND v.tx_id = @tx AND v.deleted = 0 AND ";

    /// <summary>
    /// Commits every version pending under @tx, in this order: the resources' earlier index entries go (not those of a
    /// first version: they were written live when it was staged), the staged ones are published, the staging rows go, the resources point to their new versions, the versions become committed.
    /// Common SQL: UPDATE ... FROM is in SQLite (3.33) and PostgreSQL alike.
    /// </summary>
    public static readonly string[] CommitTransaction =
    [
        "DELETE FROM token_index WHERE resource_id IN " + ResourcesOfTransaction,
        "DELETE FROM number_index WHERE resource_id IN " + ResourcesOfTransaction,
        "DELETE FROM date_index WHERE resource_id IN " + ResourcesOfTransaction,
        "INSERT INTO token_index (resource_id, resource_type, param, kind, token) "
            + "SELECT v.resource_id, r.resource_type, s.param, s.kind, s.token " + PublishFromTransaction + "s.token IS NOT NULL" + OnRepeatedRow,
        "INSERT INTO number_index (resource_id, resource_type, param, value) "
            + "SELECT v.resource_id, r.resource_type, s.param, s.number " + PublishFromTransaction + "s.number IS NOT NULL" + OnRepeatedRow,
        "INSERT INTO date_index (resource_id, resource_type, param, start_ms, end_ms) "
            + "SELECT v.resource_id, r.resource_type, s.param, s.start_ms, s.end_ms " + PublishFromTransaction + "s.start_ms IS NOT NULL" + OnRepeatedRow,
        "DELETE FROM staged_index WHERE version_id IN (SELECT id FROM versions WHERE committed = 0 AND tx_id = @tx)",
        "UPDATE resources SET current_version = v.version, current_deleted = v.deleted, last_updated_unix_ms = v.last_updated_unix_ms "
            + "FROM versions v WHERE v.resource_id = resources.id AND v.committed = 0 AND v.tx_id = @tx",
        "UPDATE versions SET committed = 1 WHERE committed = 0 AND tx_id = @tx",
    ];

    public const string SelectPendingResource = "SELECT resource_id, version FROM versions WHERE id = @staging AND committed = 0";

    public const string DeleteVersion = "DELETE FROM versions WHERE id = @staging";

    public const string DeleteResourceIfUnused =
        "DELETE FROM resources WHERE id = @resource AND current_version = 0 "
        + "AND NOT EXISTS (SELECT 1 FROM versions WHERE resource_id = @resource)";

    public const string SelectPending = "SELECT id, tx_id FROM versions WHERE committed = 0 ORDER BY id";

    private const string SealedColumns =
        "SELECT c.id, c.pseudonym, c.kek_id, c.wrapped_dek, v.version, v.deleted, v.last_updated_unix_ms, v.format, "
        + "v.nonce, v.ciphertext, v.tag FROM resources r ";

    public const string ReadCurrent = SealedColumns
        + "JOIN versions v ON v.resource_id = r.id AND v.version = r.current_version AND v.committed = 1 "
        + "JOIN compartments c ON c.id = r.compartment_id WHERE r.resource_type = @type AND r.logical_id = @id";

    public const string ReadVersion = SealedColumns
        + "JOIN versions v ON v.resource_id = r.id AND v.version = @version AND v.committed = 1 "
        + "JOIN compartments c ON c.id = r.compartment_id WHERE r.resource_type = @type AND r.logical_id = @id";

    private const string CompartmentColumns =
        "SELECT c.id, c.pseudonym, c.kek_id, c.wrapped_dek, v.version, v.deleted, v.last_updated_unix_ms, v.format, "
        + "v.nonce, v.ciphertext, v.tag, r.resource_type, r.logical_id FROM compartments c "
        + "JOIN resources r ON r.compartment_id = c.id AND r.current_deleted = 0 "
        + "JOIN versions v ON v.resource_id = r.id AND v.version = r.current_version AND v.committed = 1 "
        + "WHERE c.pseudonym = @pseudonym AND c.patient_lookup IS NOT NULL ";

    public const string CurrentInCompartment = CompartmentColumns + "ORDER BY r.resource_type, r.logical_id";

    public const string CurrentOfTypeInCompartment = CompartmentColumns + "AND r.resource_type = @type ORDER BY r.logical_id";

    public const string History =
        "SELECT v.version, v.deleted, v.last_updated_unix_ms, v.commitment, v.tx_id FROM resources r "
        + "JOIN versions v ON v.resource_id = r.id AND v.committed = 1 "
        + "WHERE r.resource_type = @type AND r.logical_id = @id ORDER BY v.version DESC";

    public const string CommittedVersions =
        "SELECT r.resource_type, r.logical_id, v.version, v.deleted, v.commitment FROM resources r "
        + "JOIN versions v ON v.resource_id = r.id AND v.committed = 1 ORDER BY r.resource_type, r.logical_id, v.version";

    public const string CompartmentResources =
        "SELECT resource_type, logical_id FROM resources WHERE compartment_id = @compartment";

    public const string CountCompartmentVersions =
        "SELECT count(*) FROM versions WHERE resource_id IN (SELECT id FROM resources WHERE compartment_id = @compartment)";

    public const string MarkErased = "INSERT INTO erased_records (record_ref) VALUES (@ref) ON CONFLICT DO NOTHING";

    /// <summary>Everything of one compartment, children first (foreign keys are enforced).</summary>
    public const string ShredCompartment = """
        DELETE FROM staged_index WHERE version_id IN
            (SELECT v.id FROM versions v JOIN resources r ON r.id = v.resource_id WHERE r.compartment_id = @compartment);
        DELETE FROM token_index WHERE resource_id IN (SELECT id FROM resources WHERE compartment_id = @compartment);
        DELETE FROM number_index WHERE resource_id IN (SELECT id FROM resources WHERE compartment_id = @compartment);
        DELETE FROM date_index WHERE resource_id IN (SELECT id FROM resources WHERE compartment_id = @compartment);
        DELETE FROM versions WHERE resource_id IN (SELECT id FROM resources WHERE compartment_id = @compartment);
        DELETE FROM resources WHERE compartment_id = @compartment;
        DELETE FROM compartments WHERE id = @compartment;
        """;

    public const string CompartmentsNotUnder =
        "SELECT id, pseudonym, kek_id, wrapped_dek FROM compartments WHERE kek_id <> @kek";

    public const string Rewrap = "UPDATE compartments SET kek_id = @kek, wrapped_dek = @wrapped WHERE id = @compartment";

    public const string KeyIdsInUse = "SELECT DISTINCT kek_id FROM compartments";
}
