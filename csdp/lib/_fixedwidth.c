/* Fixed-width DBF records and their CSV twin, one pass per row (csdp/lib/dbf_matrix.py).

   Why C: the participant files are about half of an IPO end of day (docs/performance.md). numpy
   builds them a field at a time over a piece of rows (a dozen passes over every byte, and the CSV
   compacted through a boolean mask); here each record and line is written once, without the GIL,
   so two writer threads use both cores.

   The caller (dbf_matrix.records_of) prepares every field once per file type and checks the
   widths first (dbf.dbf_check_widths); this code still checks every index and every width, and
   raises instead of writing outside a buffer.

   format_records(fields, rows, records, lines) -> bytes used in ``lines``
     fields: sequence of (kind, width, decimals, values, lengths, nulls, table, csv)
       TEXT  values: n * width bytes, space padded; lengths: int32[n] bytes of each value in the CSV
             (None: every value is ``decimals`` bytes long); nulls: uint8[n] or None.
             CSV: the value, "" for an empty string, nothing for a null.
       INT   values: int64[n] (integer minor units when decimals > 0); nulls: uint8[n] or None.
             DBF right-aligned, "-0.05" style; CSV the same text unpadded; null blank / nothing.
       CODE  values: int32[n] indexes into ``table`` (width bytes each) and ``csv`` (width bytes
             each, the CSV text: dates); an index < 0 is a null (blank / nothing).
       CONST table: the DBF bytes (width); csv: the CSV text, written as is on every row.
     rows: int64 row numbers into the arrays, in output order.
     records: writable, len(rows) * (1 + sum(widths)) bytes; lines: writable, room for every line. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

enum { K_TEXT = 0, K_INT = 1, K_CODE = 2, K_CONST = 3 };
enum { OK = 0, E_INDEX, E_WIDTH, E_ROOM, E_CODE };

typedef struct {
    int kind;
    Py_ssize_t width, decimals, count;  /* count: rows in the arrays (TEXT, INT, CODE) */
    Py_buffer values, lengths, nulls, table, csv;
    int has_values, has_lengths, has_nulls, has_table, has_csv;
} Spec;

static int get_buffer(PyObject *obj, Py_buffer *view, int *has, int flags) {
    *has = 0;
    if (obj == Py_None) return 0;
    if (PyObject_GetBuffer(obj, view, flags | PyBUF_C_CONTIGUOUS) < 0) return -1;
    *has = 1;
    return 0;
}

static void release(Spec *spec) {
    if (spec->has_values) PyBuffer_Release(&spec->values);
    if (spec->has_lengths) PyBuffer_Release(&spec->lengths);
    if (spec->has_nulls) PyBuffer_Release(&spec->nulls);
    if (spec->has_table) PyBuffer_Release(&spec->table);
    if (spec->has_csv) PyBuffer_Release(&spec->csv);
}

static int bad(const char *message) {
    PyErr_SetString(PyExc_ValueError, message);
    return -1;
}

/* Checks that every buffer has the size its kind needs; fills spec->count. */
static int check_spec(Spec *s) {
    if (s->width < 1 || s->width > 254) return bad("field width must be 1-254");
    switch (s->kind) {
    case K_TEXT:
        if (!s->has_values || s->values.len % s->width) return bad("TEXT values must be n * width bytes");
        s->count = s->values.len / s->width;
        if (s->has_lengths && s->lengths.len != s->count * 4) return bad("TEXT lengths must be int32[n]");
        if (!s->has_lengths && (s->decimals < 0 || s->decimals > s->width)) return bad("TEXT length out of range");
        break;
    case K_INT:
        if (!s->has_values || s->values.len % 8) return bad("INT values must be int64[n]");
        if (s->decimals < 0 || s->decimals > 18) return bad("INT decimals must be 0-18");
        s->count = s->values.len / 8;
        break;
    case K_CODE:
        if (!s->has_values || s->values.len % 4) return bad("CODE values must be int32[n]");
        if (!s->has_table || !s->has_csv || s->table.len % s->width || s->csv.len != s->table.len)
            return bad("CODE table and csv must be k * width bytes each");
        s->count = s->values.len / 4;
        break;
    case K_CONST:
        if (!s->has_table || s->table.len != s->width || !s->has_csv) return bad("CONST needs width DBF bytes and a CSV text");
        s->count = -1;
        return 0;
    default:
        return bad("unknown field kind");
    }
    if (s->has_nulls && s->nulls.len != s->count) return bad("nulls must be uint8[n]");
    return 0;
}

static int parse_spec(PyObject *item, Spec *s) {
    PyObject *values, *lengths, *nulls, *table, *csv;
    memset(s, 0, sizeof(*s));
    if (!PyArg_ParseTuple(item, "innOOOOO", &s->kind, &s->width, &s->decimals, &values, &lengths, &nulls, &table, &csv))
        return -1;
    if (get_buffer(values, &s->values, &s->has_values, PyBUF_SIMPLE) < 0
        || get_buffer(lengths, &s->lengths, &s->has_lengths, PyBUF_SIMPLE) < 0
        || get_buffer(nulls, &s->nulls, &s->has_nulls, PyBUF_SIMPLE) < 0
        || get_buffer(table, &s->table, &s->has_table, PyBUF_SIMPLE) < 0
        || get_buffer(csv, &s->csv, &s->has_csv, PyBUF_SIMPLE) < 0)
        return -1;
    return check_spec(s);
}

/* The text of ``value`` (minor units when decimals > 0) ending at ``end``; returns its length. */
static Py_ssize_t number_text(int64_t value, Py_ssize_t decimals, char *end) {
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    char *p = end;
    for (Py_ssize_t k = 0; k < decimals; k++) {
        *--p = (char)('0' + magnitude % 10);
        magnitude /= 10;
    }
    if (decimals) *--p = '.';
    do {
        *--p = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (value < 0) *--p = '-';
    return end - p;
}

typedef struct {
    unsigned char *dbf, *csv, *csv_end;
} Out;

/* One field of one row. Returns OK or an error code. */
static int put_field(const Spec *s, Py_ssize_t r, Out *o) {
    Py_ssize_t w = s->width;
    int null = s->has_nulls && ((const unsigned char *)s->nulls.buf)[r];
    if (s->kind == K_CONST) {
        if (o->csv_end - o->csv < s->csv.len + 1) return E_ROOM;
        memcpy(o->dbf, s->table.buf, w);
        memcpy(o->csv, s->csv.buf, s->csv.len);
        o->csv += s->csv.len;
    } else if (s->kind == K_TEXT) {
        const unsigned char *text = (const unsigned char *)s->values.buf + r * w;
        Py_ssize_t n = s->has_lengths ? ((const int32_t *)s->lengths.buf)[r] : s->decimals;
        if (n < 0 || n > w) return E_WIDTH;
        if (o->csv_end - o->csv < (null ? 0 : n ? n : 2) + 1) return E_ROOM;
        memcpy(o->dbf, text, w);
        if (!null && n == 0) {
            o->csv[0] = o->csv[1] = '"';
            o->csv += 2;
        } else if (!null) {
            memcpy(o->csv, text, n);
            o->csv += n;
        }
    } else if (s->kind == K_INT) {
        char buffer[48];
        Py_ssize_t n = null ? 0 : number_text(((const int64_t *)s->values.buf)[r], s->decimals, buffer + sizeof buffer);
        if (n > w) return E_WIDTH;
        if (o->csv_end - o->csv < n + 1) return E_ROOM;
        memset(o->dbf, ' ', w - n);
        memcpy(o->dbf + w - n, buffer + sizeof buffer - n, n);
        memcpy(o->csv, buffer + sizeof buffer - n, n);
        o->csv += n;
    } else {  /* K_CODE */
        int32_t code = ((const int32_t *)s->values.buf)[r];
        if (code >= (int64_t)(s->table.len / w)) return E_CODE;
        if (o->csv_end - o->csv < w + 1) return E_ROOM;
        if (code < 0) {
            memset(o->dbf, ' ', w);
        } else {
            memcpy(o->dbf, (const char *)s->table.buf + (Py_ssize_t)code * w, w);
            memcpy(o->csv, (const char *)s->csv.buf + (Py_ssize_t)code * w, w);
            o->csv += w;
        }
    }
    o->dbf += w;
    return OK;
}

/* Every row; *failed_row is the row of an error. */
static int format_all(const Spec *specs, Py_ssize_t nfields, const int64_t *rows, Py_ssize_t nrows,
                      Out *o, Py_ssize_t *failed_row) {
    for (Py_ssize_t i = 0; i < nrows; i++) {
        int64_t r = rows[i];
        *failed_row = i;
        *o->dbf++ = ' ';  /* not deleted */
        for (Py_ssize_t f = 0; f < nfields; f++) {
            const Spec *s = &specs[f];
            if (s->kind != K_CONST && (r < 0 || r >= s->count)) return E_INDEX;
            int status = put_field(s, (Py_ssize_t)r, o);
            if (status != OK) return status;
            *o->csv++ = f + 1 < nfields ? ',' : '\n';  /* put_field kept room for it */
        }
    }
    return OK;
}

static PyObject *format_records(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *fields_obj, *rows_obj, *records_obj, *lines_obj, *fields, *result = NULL;
    Py_buffer rows = {0}, records = {0}, lines = {0};
    int have_rows = 0, have_records = 0, have_lines = 0, status;
    Py_ssize_t nfields, parsed = 0, record_length = 1, nrows, failed_row = 0;
    Spec *specs;
    Out out;
    if (!PyArg_ParseTuple(args, "OOOO", &fields_obj, &rows_obj, &records_obj, &lines_obj)) return NULL;
    if (!(fields = PySequence_Fast(fields_obj, "fields must be a sequence"))) return NULL;
    nfields = PySequence_Fast_GET_SIZE(fields);
    if (!(specs = PyMem_Calloc(nfields ? nfields : 1, sizeof(Spec)))) {
        PyErr_NoMemory();
        goto done;
    }
    for (; parsed < nfields; parsed++) {
        if (parse_spec(PySequence_Fast_GET_ITEM(fields, parsed), &specs[parsed]) < 0) {
            parsed++;  /* release what it took */
            goto done;
        }
        record_length += specs[parsed].width;
    }
    if (get_buffer(rows_obj, &rows, &have_rows, PyBUF_SIMPLE) < 0
        || get_buffer(records_obj, &records, &have_records, PyBUF_WRITABLE) < 0
        || get_buffer(lines_obj, &lines, &have_lines, PyBUF_WRITABLE) < 0)
        goto done;
    if (!nfields || !have_rows || !have_records || !have_lines || rows.len % 8) {
        bad("fields, int64 rows and the records and lines buffers are needed");
        goto done;
    }
    nrows = rows.len / 8;
    if (records.len != nrows * record_length) {
        bad("records must be len(rows) * record length bytes");
        goto done;
    }
    out.dbf = records.buf;
    out.csv = lines.buf;
    out.csv_end = (unsigned char *)lines.buf + lines.len;
    Py_BEGIN_ALLOW_THREADS
    status = format_all(specs, nfields, rows.buf, nrows, &out, &failed_row);
    Py_END_ALLOW_THREADS
    if (status == E_INDEX) PyErr_Format(PyExc_IndexError, "row number out of range at row %zd", failed_row);
    else if (status == E_WIDTH) PyErr_Format(PyExc_ValueError, "a value is wider than its field at row %zd", failed_row);
    else if (status == E_ROOM) PyErr_Format(PyExc_ValueError, "the lines buffer is too small at row %zd", failed_row);
    else if (status == E_CODE) PyErr_Format(PyExc_ValueError, "a code is outside its table at row %zd", failed_row);
    else result = PyLong_FromSsize_t(out.csv - (unsigned char *)lines.buf);
done:
    if (specs) for (Py_ssize_t k = 0; k < parsed; k++) release(&specs[k]);
    PyMem_Free(specs);
    if (have_rows) PyBuffer_Release(&rows);
    if (have_records) PyBuffer_Release(&records);
    if (have_lines) PyBuffer_Release(&lines);
    Py_DECREF(fields);
    return result;
}

static PyMethodDef methods[] = {
    {"format_records", format_records, METH_VARARGS, "DBF records and CSV lines of the given rows, one pass per row."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fixedwidth", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__fixedwidth(void) { return PyModule_Create(&module); }
