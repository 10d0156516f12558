package io.streamlearn.streams.backtest;

/** A reusable view of part of a character array, to parse a cell without making a string. */
final class CharSlice implements CharSequence {
    private char[] chars;
    private int from;
    private int count;

    CharSlice of(char[] chars, int from, int count) {
        this.chars = chars;
        this.from = from;
        this.count = count;
        return this;
    }

    @Override
    public int length() {
        return count;
    }

    @Override
    public char charAt(int index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException(index);
        }
        return chars[from + index];
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return toString().subSequence(start, end);
    }

    @Override
    public String toString() {
        return new String(chars, from, count);
    }
}
