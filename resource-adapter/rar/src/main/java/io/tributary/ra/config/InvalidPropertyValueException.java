package io.tributary.ra.config;

/**
 * A configuration property of the adapter, a connection factory or an activation has a value that
 * cannot be used. The message names the property and quotes the value; {@link #property()} and
 * {@link #value()} give both to a caller that reports them its own way.
 */
public final class InvalidPropertyValueException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String property;
    private final String value;

    InvalidPropertyValueException(String property, Object value, String message) {
        super(message);
        this.property = property;
        this.value = value == null ? null : value.toString();
    }

    /** The property's name, as a deployer writes it ({@code consumerProperties}, {@code concurrency}). */
    public String property() {
        return property;
    }

    /** The rejected value as text; null when the property had none. */
    public String value() {
        return value;
    }
}
