package io.tributary.broker.security;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The login modules of a {@code sasl.jaas.config} value, in JAAS syntax as Kafka takes it:
 * {@code ModuleClass flag key="value" key2=value2;}, one or more modules, each ending with a
 * semicolon, values quoted or bare. Immutable results; stateless.
 */
final class JaasText {
    /** One login module entry: its class name, control flag and options. */
    record Module(String className, String flag, Map<String, String> options) {
    }

    private JaasText() {
    }

    /**
     * Parses {@code text}.
     *
     * @param property the property it came from, for the message
     * @throws IllegalArgumentException naming {@code property} for text that is not JAAS syntax (the
     *         text itself is not repeated: it holds passwords)
     */
    static List<Module> parse(String property, String text) {
        List<String> tokens = tokenize(property, text);
        List<Module> modules = new ArrayList<>();
        int i = 0;
        while (i < tokens.size()) {
            String className = tokens.get(i++);
            if (i >= tokens.size() || tokens.get(i).equals(";")) throw malformed(property, "login module " + className + " has no control flag");
            String flag = tokens.get(i++).toLowerCase(java.util.Locale.ROOT);
            if (!List.of("required", "requisite", "sufficient", "optional").contains(flag)) {
                throw malformed(property, "login module " + className + " has no control flag (required, requisite, sufficient, optional)");
            }
            Map<String, String> options = new LinkedHashMap<>();
            while (true) {
                if (i >= tokens.size()) throw malformed(property, "login module " + className + " does not end with ';'");
                String t = tokens.get(i++);
                if (t.equals(";")) break;
                if (i + 1 >= tokens.size() || !tokens.get(i).equals("=")) {
                    throw malformed(property, "option " + t + " of " + className + " is not key=value");
                }
                options.put(t, tokens.get(i + 1));
                i += 2;
            }
            modules.add(new Module(className, flag, options));
        }
        if (modules.isEmpty()) throw malformed(property, "no login module");
        return modules;
    }

    private static List<String> tokenize(String property, String text) {
        List<String> tokens = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == ';' || c == '=') {
                tokens.add(String.valueOf(c));
                i++;
            } else if (c == '"') {
                StringBuilder value = new StringBuilder();
                i++;
                while (i < text.length() && text.charAt(i) != '"') {
                    if (text.charAt(i) == '\\' && i + 1 < text.length()) i++;
                    value.append(text.charAt(i++));
                }
                if (i >= text.length()) throw malformed(property, "a quoted value is not closed");
                i++;
                tokens.add(value.toString());
            } else {
                int start = i;
                while (i < text.length() && !Character.isWhitespace(text.charAt(i)) && "=;\"".indexOf(text.charAt(i)) < 0) i++;
                tokens.add(text.substring(start, i));
            }
        }
        return tokens;
    }

    private static IllegalArgumentException malformed(String property, String why) {
        return new IllegalArgumentException(property + " is not a JAAS configuration: " + why);
    }
}
