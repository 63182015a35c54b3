using System.Text;
using System.Text.Json;
using CareLedger.Consent.Requests;
using ConsentPeriod = CareLedger.Consent.Model.Period;
using ModelCoding = CareLedger.Consent.Model.Coding;

namespace CareLedger.Access.Gate;

/// <summary>
/// What the consent engine needs to know about a resource, read from its JSON in one forward pass (every read pays
/// for it): the security labels (of the resource and of its contained resources, so a labelled part cannot hide inside
/// an unlabelled whole), its codes, the clinical time of the data, its own reference and the references it makes.
/// Authors and reverse references are left unknown, which the engine resolves toward denial.
/// </summary>
internal static class ResourceFacts
{
    private const int MaxJsonDepth = 128;
    private const string Security = "security";
    private const string Coding = "coding";

    // CodeableConcept elements that say what the data is about.
    private static readonly string[] s_codeElements = ["code", "category", "type", "vaccineCode", "medicationCodeableConcept"];

    // The clinical time of the data, in order of preference: effective[x], onset[x], performed[x], occurrence[x], then
    // the resource-specific dates. A Period counts from its start.
    private static readonly string[] s_dataTimes =
    [
        "effectiveDateTime", "effectiveInstant", "effectivePeriod", "onsetDateTime", "onsetPeriod", "performedDateTime",
        "performedPeriod", "occurrenceDateTime", "occurrencePeriod", "issued", "authoredOn", "recordedDate", "date", "period", "recorded",
    ];

    private static readonly JsonReaderOptions s_options = new() { MaxDepth = MaxJsonDepth };

    // The only property names the facts depend on; any other name is read as "" (no string allocated for it).
    private static readonly string[] s_names =
        [.. new[] { "reference", "system", "code", "start", "meta", Security, "contained", Coding }.Concat(s_codeElements).Concat(s_dataTimes).Distinct()];

    private static readonly byte[][] s_utf8Names = [.. s_names.Select(Encoding.UTF8.GetBytes)];

    // The indexes into s_names of the names of each UTF-8 length.
    private static readonly int[][] s_namesByLength =
        [.. Enumerable.Range(0, s_utf8Names.Max(n => n.Length) + 1).Select(length => Enumerable.Range(0, s_names.Length).Where(i => s_utf8Names[i].Length == length).ToArray())];

    // Strict, as Utf8JsonReader.GetString is: invalid UTF-8 is an error, never a replacement character.
    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    [ThreadStatic]
    private static List<Frame>? t_frames;

    [ThreadStatic]
    private static List<string>? t_path;

    /// <summary>The facts of a resource whose content is not at hand (a deleted version): type and reference only.</summary>
    public static RequestedResource Unknown(string resourceType, string id) =>
        new(resourceType) { Reference = $"{resourceType}/{id}" };

    /// <exception cref="JsonException">The content is not a JSON object.</exception>
    public static RequestedResource Of(string resourceType, string id, ReadOnlyMemory<byte> json)
    {
        var labels = new List<ModelCoding>();
        var codes = new List<ModelCoding>();
        var references = new List<string>();
        // Where each candidate time is; only the one that decides becomes a string.
        Span<Located> times = stackalloc Located[s_dataTimes.Length];

        // The enclosing objects and arrays; an array's elements carry the array's name. Path: the objects' names only.
        // Both are the thread's own, reused read after read: every read pays for this pass.
        var frames = t_frames ??= new List<Frame>(16);
        var path = t_path ??= new List<string>(8);
        frames.Clear();
        path.Clear();
        string? property = null;
        var bytes = json.Span;

        var reader = new Utf8JsonReader(bytes, s_options);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException($"{resourceType}/{id} is not a JSON object.");
            }

            frames.Add(new Frame(IsArray: false, ""));
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = KnownName(ref reader);
                        continue;
                    case JsonTokenType.StartObject:
                        var name = NameOf(frames[^1], property);
                        frames.Add(new Frame(IsArray: false, name));
                        path.Add(name);
                        break;
                    case JsonTokenType.EndObject when frames.Count > 1:
                        if (frames[^1] is { System.Exists: true, Code.Exists: true } frame && (IsLabel(path) ? labels : IsCode(path) ? codes : null) is { } kept
                            && new ModelCoding(frame.System.Text(bytes), frame.Code.Text(bytes)) is { IsComplete: true } coding)
                        {
                            kept.Add(coding);
                        }

                        frames.RemoveAt(frames.Count - 1);
                        path.RemoveAt(path.Count - 1);
                        break;
                    case JsonTokenType.StartArray:
                        frames.Add(new Frame(IsArray: true, NameOf(frames[^1], property)));
                        break;
                    case JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        break;
                    case JsonTokenType.String when !frames[^1].IsArray:
                        Note(property!, ref reader, frames, path, references, times);
                        break;
                }

                property = null;
            }
        }
        finally
        {
            // Only positions and the interned names are kept, but nothing of one read should outlive it.
            frames.Clear();
            path.Clear();
        }

        return new RequestedResource(resourceType)
        {
            SecurityLabels = labels,
            Codes = codes,
            DataTime = FirstTime(times, bytes),
            Reference = $"{resourceType}/{id}",
            References = references,
        };
    }

    /// <summary>
    /// Whether a Patient resource's subject is under 18 at <paramref name="now"/>. A partial birth date counts from
    /// its latest possible day, and an unknown one as a minor: a guardian sees less, never more, when in doubt.
    /// </summary>
    public static bool IsMinor(ReadOnlyMemory<byte> patientJson, DateTimeOffset now)
    {
        using var document = JsonDocument.Parse(patientJson, new JsonDocumentOptions { MaxDepth = MaxJsonDepth });
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("birthDate", out var birthDate)
            || birthDate.ValueKind != JsonValueKind.String)
        {
            return true;
        }

        try
        {
            var precision = ConsentPeriod.FromFhir(birthDate.GetString(), birthDate.GetString());
            var latestBirthDay = DateOnly.FromDateTime(precision.End!.Value.UtcDateTime).AddDays(-1);
            return DateOnly.FromDateTime(now.UtcDateTime) < latestBirthDay.AddYears(18);
        }
        catch (FormatException)
        {
            return true;
        }
    }

    private static string KnownName(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped)
        {
            // Rare (no serialiser escapes these names): compare unescaped, name by name.
            for (var i = 0; i < s_utf8Names.Length; i++)
            {
                if (reader.ValueTextEquals(s_utf8Names[i]))
                {
                    return s_names[i];
                }
            }

            return "";
        }

        // Only the names of this length can match: most property names are compared with none or one.
        var name = reader.ValueSpan;
        if (name.Length < s_namesByLength.Length)
        {
            foreach (var i in s_namesByLength[name.Length])
            {
                if (name.SequenceEqual(s_utf8Names[i]))
                {
                    return s_names[i];
                }
            }
        }

        return "";
    }

    private static string NameOf(Frame parent, string? property) => parent.IsArray ? parent.Name : property ?? "";

    private static void Note(string property, ref Utf8JsonReader reader, List<Frame> frames, List<string> path, List<string> references,
        scoped Span<Located> times)
    {
        switch (property)
        {
            case "reference":
                // A local "#id" reference names no resource.
                if (reader.ValueSpan.Length > 0 && reader.ValueSpan[0] != (byte)'#')
                {
                    references.Add(reader.GetString()!);
                }

                return;
            case "system":
                frames[^1] = frames[^1] with { System = Located.At(ref reader) };
                return;
            case "code":
                frames[^1] = frames[^1] with { Code = Located.At(ref reader) };
                return;
        }

        var (element, isPeriod) = path.Count switch
        {
            0 => (property, false),
            1 when property == "start" => (path[0], true),
            _ => (null, false),
        };
        var index = element is null ? -1 : Array.IndexOf(s_dataTimes, element);
        if (index >= 0 && IsPeriod(element!) == isPeriod)
        {
            times[index] = Located.At(ref reader);
        }
    }

    private static bool IsPeriod(string element) => element == "period" || element.EndsWith("Period", StringComparison.Ordinal);

    // meta.security of the resource, or of one of its contained resources.
    private static bool IsLabel(List<string> path) =>
        (path.Count == 2 && path[0] == "meta" && path[1] == Security)
        || (path.Count == 3 && path[0] == "contained" && path[1] == "meta" && path[2] == Security);

    private static bool IsCode(List<string> path) =>
        path.Count == 2 && path[1] == Coding && Array.IndexOf(s_codeElements, path[0]) >= 0;

    private static DateTimeOffset? FirstTime(ReadOnlySpan<Located> times, ReadOnlySpan<byte> json)
    {
        foreach (var value in times)
        {
            if (!value.Exists)
            {
                continue;
            }

            try
            {
                return ConsentPeriod.FromFhir(value.Text(json), null).Start;
            }
            catch (FormatException)
            {
                // Not a FHIR dateTime here (never in validated data): look at the next candidate.
            }
        }

        return null;
    }

    /// <summary>An enclosing object or array; an object remembers where its system and code are in case it is a Coding.</summary>
    private readonly record struct Frame(bool IsArray, string Name)
    {
        public Located System { get; init; }

        public Located Code { get; init; }
    }

    /// <summary>
    /// A string value of the JSON, found but not yet copied: most (the systems and codes of quantities, identifiers and
    /// the like, the clinical times that do not decide) are never needed as strings.
    /// </summary>
    private readonly struct Located
    {
        private readonly int start;
        private readonly int length;
        private readonly bool escaped;

        private Located(int start, int length, bool escaped)
        {
            this.start = start;
            this.length = length;
            this.escaped = escaped;
            Exists = true;
        }

        public bool Exists { get; }

        /// <summary>The string the reader is on (its token starts with the opening quote; the raw value follows).</summary>
        public static Located At(ref Utf8JsonReader reader) =>
            new(checked((int)reader.TokenStartIndex + 1), reader.ValueSpan.Length, reader.ValueIsEscaped);

        public string Text(ReadOnlySpan<byte> json)
        {
            if (!escaped)
            {
                return s_utf8.GetString(json.Slice(start, length));
            }

            // The quoted string alone is a JSON document: let the reader unescape it, as it would have in place.
            var quoted = new Utf8JsonReader(json.Slice(start - 1, length + 2));
            quoted.Read();
            return quoted.GetString()!;
        }
    }
}
