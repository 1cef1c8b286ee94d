package io.tributary.api;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;

/**
 * A generic type written as a type argument, for reading values whose type has parameters:
 * {@code record.valueAs(new TypeRef<List<Order>>() {})}. Create it as an anonymous subclass; the
 * type argument must be concrete (no type variables of the enclosing method). Immutable.
 */
public abstract class TypeRef<T> {
    private final Type type;

    protected TypeRef() {
        Type superclass = getClass().getGenericSuperclass();
        if (!(superclass instanceof ParameterizedType p)) {
            throw new IllegalArgumentException("TypeRef needs a type argument: new TypeRef<List<Order>>() {}");
        }
        this.type = p.getActualTypeArguments()[0];
    }

    /** The type argument, e.g. the {@code ParameterizedType} {@code List<Order>}. */
    public Type type() {
        return type;
    }

    @Override
    public String toString() {
        return type.getTypeName();
    }
}
