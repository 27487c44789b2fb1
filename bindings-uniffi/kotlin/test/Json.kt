// A small JSON reader and writer for the test program (the JDK has none).
// Objects are LinkedHashMap<String, Any?>, arrays List<Any?>, integers Long,
// other numbers Double.
package io.authflow.test

class Json private constructor(private val text: String) {
    private var at = 0

    companion object {
        fun parse(text: String): Any? = Json(text).run {
            val value = value()
            space()
            check(at == text.length) { "trailing characters at $at" }
            value
        }

        fun write(value: Any?): String = StringBuilder().also { write(value, it) }.toString()

        private fun write(value: Any?, out: StringBuilder) {
            when (value) {
                null -> out.append("null")
                is String -> {
                    out.append('"')
                    for (c in value) {
                        when {
                            c == '"' -> out.append("\\\"")
                            c == '\\' -> out.append("\\\\")
                            c == '\n' -> out.append("\\n")
                            c == '\r' -> out.append("\\r")
                            c == '\t' -> out.append("\\t")
                            c < ' ' -> out.append(String.format("\\u%04x", c.code))
                            else -> out.append(c)
                        }
                    }
                    out.append('"')
                }
                is Boolean, is Long, is Int -> out.append(value.toString())
                is Double -> out.append(if (value == Math.floor(value) && !value.isInfinite()) value.toLong().toString() else value.toString())
                is Map<*, *> -> {
                    out.append('{')
                    value.entries.forEachIndexed { i, (k, v) ->
                        if (i > 0) out.append(',')
                        write(k as String, out); out.append(':'); write(v, out)
                    }
                    out.append('}')
                }
                is List<*> -> {
                    out.append('[')
                    value.forEachIndexed { i, v -> if (i > 0) out.append(','); write(v, out) }
                    out.append(']')
                }
                else -> error("cannot write ${value::class}")
            }
        }
    }

    private fun space() {
        while (at < text.length && text[at].isWhitespace()) at++
    }

    private fun value(): Any? {
        space()
        return when (val c = text[at]) {
            '{' -> obj()
            '[' -> arr()
            '"' -> str()
            't' -> literal("true", true)
            'f' -> literal("false", false)
            'n' -> literal("null", null)
            else -> if (c == '-' || c.isDigit()) num() else error("unexpected '$c' at $at")
        }
    }

    private fun literal(word: String, value: Any?): Any? {
        check(text.startsWith(word, at)) { "bad literal at $at" }
        at += word.length
        return value
    }

    private fun obj(): Map<String, Any?> {
        val map = LinkedHashMap<String, Any?>()
        at++
        space()
        if (text[at] == '}') { at++; return map }
        while (true) {
            space()
            val key = str()
            space(); check(text[at] == ':'); at++
            map[key] = value()
            space()
            when (text[at++]) { ',' -> continue; '}' -> return map; else -> error("bad object at $at") }
        }
    }

    private fun arr(): List<Any?> {
        val list = ArrayList<Any?>()
        at++
        space()
        if (text[at] == ']') { at++; return list }
        while (true) {
            list.add(value())
            space()
            when (text[at++]) { ',' -> continue; ']' -> return list; else -> error("bad array at $at") }
        }
    }

    private fun str(): String {
        check(text[at] == '"') { "expected a string at $at" }
        at++
        val out = StringBuilder()
        while (true) {
            val c = text[at++]
            when (c) {
                '"' -> return out.toString()
                '\\' -> when (val e = text[at++]) {
                    'n' -> out.append('\n'); 't' -> out.append('\t'); 'r' -> out.append('\r')
                    'b' -> out.append('\b'); 'f' -> out.append('\u000c')
                    'u' -> { out.append(text.substring(at, at + 4).toInt(16).toChar()); at += 4 }
                    else -> out.append(e)
                }
                else -> out.append(c)
            }
        }
    }

    private fun num(): Any {
        val start = at
        while (at < text.length && (text[at].isDigit() || text[at] in "+-.eE")) at++
        val s = text.substring(start, at)
        return if (s.any { it in ".eE" }) s.toDouble() else (s.toLongOrNull() ?: s.toDouble())
    }
}
