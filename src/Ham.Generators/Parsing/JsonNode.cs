using System.Collections.Generic;

namespace Ham.Generators.Parsing
{
    /// <summary>A JSON value with the span of source text it came from (offsets into the file).</summary>
    internal abstract class JsonNode
    {
        protected JsonNode(int start, int end)
        {
            Start = start;
            End = end;
        }

        // Offset of the first character of the value.
        public int Start { get; }

        // Offset just past the last character of the value.
        public int End { get; }

        public abstract string Kind { get; }
    }

    internal sealed class JsonObject : JsonNode
    {
        public JsonObject(int start, int end, IReadOnlyList<JsonProperty> properties)
            : base(start, end) => Properties = properties;

        public IReadOnlyList<JsonProperty> Properties { get; }

        public override string Kind => "an object";

        public JsonProperty? Find(string name)
        {
            foreach (var property in Properties)
            {
                if (property.Name == name) return property;
            }

            return null;
        }
    }

    /// <summary>A member of an object; NameStart/NameEnd span the quoted name.</summary>
    internal sealed class JsonProperty
    {
        public JsonProperty(string name, int nameStart, int nameEnd, JsonNode value)
        {
            Name = name;
            NameStart = nameStart;
            NameEnd = nameEnd;
            Value = value;
        }

        public string Name { get; }

        public int NameStart { get; }

        public int NameEnd { get; }

        public JsonNode Value { get; }
    }

    internal sealed class JsonArray : JsonNode
    {
        public JsonArray(int start, int end, IReadOnlyList<JsonNode> items) : base(start, end) => Items = items;

        public IReadOnlyList<JsonNode> Items { get; }

        public override string Kind => "an array";
    }

    internal sealed class JsonString : JsonNode
    {
        public JsonString(int start, int end, string value) : base(start, end) => Value = value;

        public string Value { get; }

        public override string Kind => "a string";
    }

    /// <summary>A number kept as its source text, so that integers and fractions are told apart exactly.</summary>
    internal sealed class JsonNumber : JsonNode
    {
        public JsonNumber(int start, int end, string text) : base(start, end) => Text = text;

        public string Text { get; }

        public override string Kind => "a number";
    }

    internal sealed class JsonLiteral : JsonNode
    {
        public JsonLiteral(int start, int end, bool? value) : base(start, end) => Value = value;

        // true, false, or null for JSON null.
        public bool? Value { get; }

        public override string Kind => Value is null ? "null" : "a boolean";
    }
}
