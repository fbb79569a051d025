using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Ham.Generators.Parsing
{
    /// <summary>Thrown for text that is not JSON; Offset is where reading stopped.</summary>
    internal sealed class JsonSyntaxException : Exception
    {
        public JsonSyntaxException(string message, int offset) : base(message) => Offset = offset;

        public int Offset { get; }
    }

    /// <summary>
    /// A small strict JSON reader (RFC 8259) that records the source span of every value, so that diagnostics can
    /// point into the spec file. An analyzer cannot carry System.Text.Json on netstandard2.0 without shipping it.
    /// </summary>
    internal sealed class JsonReader
    {
        // Nesting deeper than this is refused rather than risking the compiler's stack.
        private const int MaxDepth = 64;

        private readonly string text;
        private int position;

        private JsonReader(string text) => this.text = text;

        public static JsonNode Read(string text)
        {
            var reader = new JsonReader(text);

            // A byte-order mark that survived decoding is not part of the value.
            if (text.Length > 0 && text[0] == '\uFEFF') reader.position = 1;
            reader.SkipWhitespace();
            var value = reader.ReadValue(0);
            reader.SkipWhitespace();
            if (reader.position < text.Length) throw reader.Error("unexpected text after the top-level value");
            return value;
        }

        private JsonNode ReadValue(int depth)
        {
            if (depth > MaxDepth) throw Error($"values nested deeper than {MaxDepth}");
            if (position >= text.Length) throw Error("unexpected end of file, expected a value");

            var c = text[position];
            switch (c)
            {
                case '{': return ReadObject(depth);
                case '[': return ReadArray(depth);
                case '"':
                    var start = position;
                    var value = ReadString();
                    return new JsonString(start, position, value);
                case 't': return ReadLiteral("true", true);
                case 'f': return ReadLiteral("false", false);
                case 'n': return ReadLiteral("null", null);
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return ReadNumber();
                    throw Error($"unexpected character '{c}', expected a value");
            }
        }

        private JsonObject ReadObject(int depth)
        {
            var start = position++;
            var properties = new List<JsonProperty>();
            SkipWhitespace();
            if (Peek() == '}')
            {
                position++;
                return new JsonObject(start, position, properties);
            }

            while (true)
            {
                SkipWhitespace();
                if (Peek() != '"') throw Error("expected a quoted property name");
                var nameStart = position;
                var name = ReadString();
                var nameEnd = position;
                SkipWhitespace();
                Expect(':');
                SkipWhitespace();
                properties.Add(new JsonProperty(name, nameStart, nameEnd, ReadValue(depth + 1)));
                SkipWhitespace();
                if (Peek() == ',')
                {
                    position++;
                    continue;
                }

                Expect('}');
                return new JsonObject(start, position, properties);
            }
        }

        private JsonArray ReadArray(int depth)
        {
            var start = position++;
            var items = new List<JsonNode>();
            SkipWhitespace();
            if (Peek() == ']')
            {
                position++;
                return new JsonArray(start, position, items);
            }

            while (true)
            {
                SkipWhitespace();
                items.Add(ReadValue(depth + 1));
                SkipWhitespace();
                if (Peek() == ',')
                {
                    position++;
                    continue;
                }

                Expect(']');
                return new JsonArray(start, position, items);
            }
        }

        private string ReadString()
        {
            position++;
            var builder = new StringBuilder();
            while (true)
            {
                if (position >= text.Length) throw Error("unterminated string");
                var c = text[position++];
                if (c == '"') return builder.ToString();
                if (c < ' ') throw Error("control character inside a string", position - 1);
                if (c != '\\')
                {
                    builder.Append(c);
                    continue;
                }

                if (position >= text.Length) throw Error("unterminated escape sequence");
                var escape = text[position++];
                switch (escape)
                {
                    case '"': builder.Append('"'); break;
                    case '\\': builder.Append('\\'); break;
                    case '/': builder.Append('/'); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'n': builder.Append('\n'); break;
                    case 'r': builder.Append('\r'); break;
                    case 't': builder.Append('\t'); break;
                    case 'u':
                        if (position + 4 > text.Length ||
                            !int.TryParse(text.Substring(position, 4), NumberStyles.HexNumber,
                                CultureInfo.InvariantCulture, out var code))
                        {
                            throw Error("\\u must be followed by four hex digits");
                        }

                        builder.Append((char)code);
                        position += 4;
                        break;
                    default:
                        throw Error($"unknown escape sequence '\\{escape}'", position - 2);
                }
            }
        }

        private JsonNumber ReadNumber()
        {
            var start = position;
            if (Peek() == '-') position++;
            if (Peek() == '0') position++;
            else if (IsDigit(Peek())) SkipDigits();
            else throw Error("expected a digit");

            if (Peek() == '.')
            {
                position++;
                if (!IsDigit(Peek())) throw Error("expected a digit after the decimal point");
                SkipDigits();
            }

            if (Peek() == 'e' || Peek() == 'E')
            {
                position++;
                if (Peek() == '+' || Peek() == '-') position++;
                if (!IsDigit(Peek())) throw Error("expected a digit in the exponent");
                SkipDigits();
            }

            return new JsonNumber(start, position, text.Substring(start, position - start));
        }

        private JsonLiteral ReadLiteral(string word, bool? value)
        {
            if (string.CompareOrdinal(text, position, word, 0, word.Length) != 0)
            {
                throw Error($"unexpected word, expected '{word}'");
            }

            var start = position;
            position += word.Length;
            return new JsonLiteral(start, position, value);
        }

        private void Expect(char expected)
        {
            if (Peek() != expected)
            {
                var found = position < text.Length ? $"'{text[position]}'" : "end of file";
                throw Error($"expected '{expected}', found {found}");
            }

            position++;
        }

        private void SkipDigits()
        {
            while (IsDigit(Peek())) position++;
        }

        private void SkipWhitespace()
        {
            while (position < text.Length)
            {
                var c = text[position];
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
                position++;
            }
        }

        private char Peek() => position < text.Length ? text[position] : '\0';

        private static bool IsDigit(char c) => c >= '0' && c <= '9';

        private JsonSyntaxException Error(string message, int? offset = null) =>
            new JsonSyntaxException(message, offset ?? position);
    }
}
