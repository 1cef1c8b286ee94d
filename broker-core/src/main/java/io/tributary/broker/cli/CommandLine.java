package io.tributary.broker.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parsed {@code --name value} and {@code --flag} options of a tool command. Unknown options are
 * rejected with a {@link UsageException} naming them.
 */
final class CommandLine {
    private final Map<String, List<String>> values = new HashMap<>();

    /** Thrown for a wrong command line; its message is shown with the command's help. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    CommandLine(String[] args, int from, Set<String> withValue, Set<String> flags) {
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (withValue.contains(a)) {
                if (i + 1 >= args.length) throw new UsageException("Missing value after " + a);
                values.computeIfAbsent(a, k -> new ArrayList<>()).add(args[++i]);
            } else if (flags.contains(a)) {
                values.put(a, List.of());
            } else {
                throw new UsageException("Unknown option " + a);
            }
        }
    }

    boolean has(String option) {
        return values.containsKey(option);
    }

    String get(String option) {
        List<String> v = values.get(option);
        return v == null || v.isEmpty() ? null : v.get(v.size() - 1);
    }

    String require(String option) {
        String v = get(option);
        if (v == null) throw new UsageException("Missing required option " + option);
        return v;
    }

    List<String> all(String option) {
        return values.getOrDefault(option, List.of());
    }
}
