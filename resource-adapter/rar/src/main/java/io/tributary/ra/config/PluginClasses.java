package io.tributary.ra.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Instantiates a class a property names (a Kafka {@code Serializer} or {@code Deserializer}): looked
 * up in the given class loaders in turn (the application's first, then the adapter's, which has
 * kafka-clients' own classes), created with its public no-argument constructor. A failure is an
 * {@link InvalidPropertyValueException} naming the property. Stateless and thread-safe.
 */
public final class PluginClasses {
    private PluginClasses() {
    }

    /**
     * A new instance of {@code className}, which must implement {@code type}.
     *
     * @param loaders where to look, in order; null entries are skipped
     */
    public static <T> T newInstance(String property, String className, Class<T> type, ClassLoader... loaders) {
        String name = className.trim();
        List<String> tried = new ArrayList<>();
        Class<?> found = null;
        for (ClassLoader l : loaders) {
            if (l == null) continue;
            try {
                found = Class.forName(name, true, l);
                break;
            } catch (ClassNotFoundException | LinkageError e) {
                tried.add(String.valueOf(l));
            }
        }
        if (found == null) {
            throw new InvalidPropertyValueException(property, className, property + ": class '" + name
                    + "' not found (looked in " + tried + ")");
        }
        if (!type.isAssignableFrom(found)) {
            throw new InvalidPropertyValueException(property, className, property + ": " + name + " is not a "
                    + type.getName() + " (of the kafka-clients the adapter uses: an application that packages its own "
                    + "kafka-clients has its own copy of that interface)");
        }
        try {
            return type.cast(found.getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new InvalidPropertyValueException(property, className, property + ": cannot create " + name
                    + " with its public no-argument constructor: " + e);
        }
    }
}
