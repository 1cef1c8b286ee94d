package io.tributary.broker.http;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON (RFC 8259) reader and writer for the REST API's payloads. Values are plain Java
 * objects: an object is a {@code Map<String, Object>} (insertion-ordered), an array a {@code List},
 * a string a {@code String}, a number a {@code Long} when it is a whole number that fits, else a
 * {@code BigDecimal}, {@code true}/{@code false} a {@code Boolean}, and {@code null} Java's null.
 * The writer takes the same, plus any {@code Number}, {@code Iterable} and {@code Object[]}.
 *
 * <p>The reader refuses anything but one complete JSON value (trailing characters, unterminated
 * strings, bad escapes, leading zeros) with a {@link JsonException} naming the position; of a key
 * given twice in an object the last wins. Nesting is limited to {@value #MAX_DEPTH} levels so a
 * hostile body cannot exhaust the stack. Stateless and thread-safe.
 */
public final class Json {
    static final int MAX_DEPTH = 64;

    private Json() {
    }

    /** A body that is not valid JSON, with the position (0-based character index) where it breaks. */
    public static final class JsonException extends IllegalArgumentException {
        public JsonException(String message, int position) {
            super(message + " at position " + position);
        }
    }

    public static Object parse(String text) {
        Reader r = new Reader(text);
        r.skipSpace();
        Object v = r.value(0);
        r.skipSpace();
        if (r.pos < text.length()) throw new JsonException("Unexpected character '" + text.charAt(r.pos) + "' after the value", r.pos);
        return v;
    }

    public static String write(Object value) {
        StringBuilder b = new StringBuilder();
        write(value, b);
        return b.toString();
    }

    private static void write(Object v, StringBuilder b) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof String s) {
            quote(s, b);
        } else if (v instanceof Boolean) {
            b.append(v);
        } else if (v instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) b.append("null");
            else b.append(BigDecimal.valueOf(d).stripTrailingZeros().toPlainString());
        } else if (v instanceof Float f) {
            write(f.doubleValue(), b);
        } else if (v instanceof BigDecimal d) {
            b.append(d.toPlainString());
        } else if (v instanceof Number n) {
            b.append(n);
        } else if (v instanceof Map<?, ?> m) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) b.append(',');
                first = false;
                quote(String.valueOf(e.getKey()), b);
                b.append(':');
                write(e.getValue(), b);
            }
            b.append('}');
        } else if (v instanceof Iterable<?> it) {
            b.append('[');
            Iterator<?> i = it.iterator();
            while (i.hasNext()) {
                write(i.next(), b);
                if (i.hasNext()) b.append(',');
            }
            b.append(']');
        } else if (v instanceof Object[] a) {
            write(List.of(a), b);
        } else {
            quote(v.toString(), b);
        }
    }

    private static void quote(String s, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }

    private static final class Reader {
        private final String s;
        private int pos;

        Reader(String s) {
            this.s = s;
        }

        void skipSpace() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') pos++;
                else break;
            }
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) throw new JsonException("Nesting deeper than " + MAX_DEPTH + " levels", pos);
            if (pos >= s.length()) throw new JsonException("Unexpected end of input", pos);
            char c = s.charAt(pos);
            return switch (c) {
                case '{' -> object(depth);
                case '[' -> array(depth);
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) yield number();
                    throw new JsonException("Unexpected character '" + c + "'", pos);
                }
            };
        }

        private Object literal(String word, Object value) {
            if (!s.startsWith(word, pos)) throw new JsonException("Expected " + word, pos);
            pos += word.length();
            return value;
        }

        private Map<String, Object> object(int depth) {
            Map<String, Object> m = new LinkedHashMap<>();
            pos++;
            skipSpace();
            if (peek() == '}') {
                pos++;
                return m;
            }
            while (true) {
                skipSpace();
                if (peek() != '"') throw new JsonException("Expected a string key", pos);
                String key = string();
                skipSpace();
                if (peek() != ':') throw new JsonException("Expected ':'", pos);
                pos++;
                skipSpace();
                m.put(key, value(depth + 1));
                skipSpace();
                char c = peek();
                pos++;
                if (c == '}') return m;
                if (c != ',') throw new JsonException("Expected ',' or '}'", pos - 1);
            }
        }

        private List<Object> array(int depth) {
            List<Object> l = new ArrayList<>();
            pos++;
            skipSpace();
            if (peek() == ']') {
                pos++;
                return l;
            }
            while (true) {
                skipSpace();
                l.add(value(depth + 1));
                skipSpace();
                char c = peek();
                pos++;
                if (c == ']') return l;
                if (c != ',') throw new JsonException("Expected ',' or ']'", pos - 1);
            }
        }

        private char peek() {
            if (pos >= s.length()) throw new JsonException("Unexpected end of input", pos);
            return s.charAt(pos);
        }

        private String string() {
            StringBuilder b = new StringBuilder();
            pos++;
            while (true) {
                if (pos >= s.length()) throw new JsonException("Unterminated string", pos);
                char c = s.charAt(pos++);
                if (c == '"') return b.toString();
                if (c < 0x20) throw new JsonException("Control character in a string", pos - 1);
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (pos >= s.length()) throw new JsonException("Unterminated escape", pos);
                char e = s.charAt(pos++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'u' -> {
                        if (pos + 4 > s.length()) throw new JsonException("Short \\u escape", pos);
                        try {
                            b.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        } catch (NumberFormatException bad) {
                            throw new JsonException("Bad \\u escape", pos);
                        }
                        pos += 4;
                    }
                    default -> throw new JsonException("Bad escape \\" + e, pos - 1);
                }
            }
        }

        private Number number() {
            int start = pos;
            if (peek() == '-') pos++;
            int intStart = pos;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
            if (pos == intStart) throw new JsonException("Expected a digit", pos);
            if (pos - intStart > 1 && s.charAt(intStart) == '0') throw new JsonException("Leading zero in a number", intStart);
            boolean whole = true;
            if (pos < s.length() && s.charAt(pos) == '.') {
                whole = false;
                pos++;
                int fracStart = pos;
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
                if (pos == fracStart) throw new JsonException("Expected a digit after '.'", pos);
            }
            if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                whole = false;
                pos++;
                if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) pos++;
                int expStart = pos;
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
                if (pos == expStart) throw new JsonException("Expected a digit in the exponent", pos);
            }
            String text = s.substring(start, pos);
            if (whole) {
                try {
                    return Long.parseLong(text);
                } catch (NumberFormatException tooBig) {
                    return new BigDecimal(text);
                }
            }
            return new BigDecimal(text);
        }
    }
}
