"""Resumes: structured, JSON Resume and YAML import, file uploads checked
by content, download, default handling, CRUD and every bad input."""

import hashlib
import unittest

from pfutil import BAD_IDS, ELF, PDF, STRUCTURED, PlatformCase, multipart, raw_post_status


class ResumeTests(PlatformCase):
    # A small upload limit so the over-limit paths are quick to exercise.
    extra_config = 'uploads = { max_resume_size = "64KiB"; };'

    def pro_user(self):
        token, uid = self.user()
        self.set_plan(uid, "Career Pro")
        return token, uid

    def n_resumes(self, uid):
        return self.count("SELECT count(*) FROM resumes WHERE user_id = %d" % uid)

    def test_structured_crud_and_default(self):
        t, uid = self.pro_user()
        r1 = self.ok("POST", "/api/v1/resumes", t, 201,
                     json={"name": "Main", "structured": STRUCTURED})
        self.assertTrue(r1["is_default"], "the first resume is the default")
        self.assertEqual(r1["structured"]["experience_details"][0]["company"], "Engine Co")
        r2 = self.ok("POST", "/api/v1/resumes", t, 201,
                     json={"name": "Second", "description": "d", "structured": STRUCTURED})
        self.assertFalse(r2["is_default"])
        # Moving the default keeps exactly one.
        upd = self.ok("PUT", "/api/v1/resumes/%d" % r2["id"], t,
                      json={"is_default": True, "name": "Second v2"})
        self.assertTrue(upd["is_default"])
        self.assertEqual(upd["name"], "Second v2")
        lst = self.ok("GET", "/api/v1/resumes", t)
        self.assertEqual(lst["total"], 2)
        self.assertEqual(sum(1 for r in lst["items"] if r["is_default"]), 1)
        self.assertEqual(self.count("SELECT count(*) FROM resumes WHERE user_id = %d "
                                    "AND is_default" % uid), 1)
        # Unsetting the only default is refused and changes nothing.
        self.assert_error(self.req("PUT", "/api/v1/resumes/%d" % r2["id"], t,
                                   json={"is_default": False}),
                          400, "invalid_field", "is_default")
        self.assertTrue(self.ok("GET", "/api/v1/resumes/%d" % r2["id"], t)["is_default"])
        # Deleting the default promotes the other one.
        self.ok("DELETE", "/api/v1/resumes/%d" % r2["id"], t, 204)
        self.assertTrue(self.ok("GET", "/api/v1/resumes/%d" % r1["id"], t)["is_default"])
        self.assertEqual(self.n_resumes(uid), 1)
        self.assert_error(self.req("GET", "/api/v1/resumes/%d" % r2["id"], t), 404, "not_found")

    def test_structured_update_validates(self):
        t, uid = self.pro_user()
        r = self.ok("POST", "/api/v1/resumes", t, 201,
                    json={"name": "Main", "structured": STRUCTURED})
        bad = {"experience_details": [{"position": "a", "company": "b"},
                                      {"position": "a", "company": "b"},
                                      {"position": "a", "company": {"x": 1}}]}
        self.assert_error(self.req("PUT", "/api/v1/resumes/%d" % r["id"], t,
                                   json={"structured": bad}),
                          400, "invalid_field",
                          "structured.experience_details[2].company")
        got = self.ok("GET", "/api/v1/resumes/%d" % r["id"], t)
        self.assertEqual(got["structured"], STRUCTURED)
        self.assert_error(self.req("PUT", "/api/v1/resumes/%d" % r["id"], t,
                                   json={"colour": "red"}),
                          400, "invalid_field", "colour")

    def test_structured_wrong_types(self):
        t, uid = self.pro_user()
        cases = [
            ({"name": "x", "structured": {"experience_details": {"a": 1}}},
             "structured.experience_details"),
            ({"name": "x", "structured": {"personal_information": {"name": 5.5, "email": []}}},
             "structured.personal_information.email"),
            ({"name": "x", "structured": {"skills": [True]}}, "structured.skills[0]"),
            ({"name": "x", "structured": {"unknown_section": []}},
             "structured.unknown_section"),
            ({"name": "x", "structured": "text"}, "structured"),
            ({"name": 7, "structured": STRUCTURED}, "name"),
            ({"structured": STRUCTURED}, "name"),
            ({"name": "x", "structured": STRUCTURED, "extra": 1}, "extra"),
            ({"name": "", "structured": STRUCTURED}, "name"),
            ({"name": "x", "structured": STRUCTURED, "is_default": "yes"}, "is_default"),
        ]
        for body, field in cases:
            with self.subTest(field=field):
                self.assert_error(self.req("POST", "/api/v1/resumes", t, json=body),
                                  400, "invalid_field", field)
        self.assertEqual(self.n_resumes(uid), 0)

    def test_nested_mistakes_name_the_path_and_the_fix(self):
        t, uid = self.pro_user()
        job = {"position": "Analyst", "company": "Engine"}
        cases = [
            # a misspelt member deep in a list: the path and what was meant
            ({"name": "x", "structured": {"experience_details": [
                job, dict(job, compnay="Engine")]}},
             "structured.experience_details[1].compnay",
             "unknown field 'structured.experience_details[1].compnay' "
             "(did you mean 'company'?)"),
            # a section that does not exist lists the ones that do
            ({"name": "x", "structured": {"hobbies": ["chess"]}},
             "structured.hobbies", "known resume sections are personal_information"),
            ({"name": "x", "structured": {"experiense_details": []}},
             "structured.experiense_details", "did you mean 'experience_details'"),
            # a misspelt top-level member of the request
            ({"nmae": "x", "structured": STRUCTURED}, "nmae",
             "unknown field 'nmae' (did you mean 'name'?)"),
        ]
        for body, field, message in cases:
            with self.subTest(field=field):
                self.assert_error(self.req("POST", "/api/v1/resumes", t, json=body),
                                  400, "invalid_field", field, message)
        self.assertEqual(self.n_resumes(uid), 0)

    def test_json_resume_import(self):
        t, uid = self.pro_user()
        jr = {"basics": {"name": "Grace Hopper", "email": "g@example.test",
                         "profiles": [{"network": "GitHub", "url": "https://github.com/g"}]},
              "work": [{"name": "Navy", "position": "Admiral", "startDate": "1943",
                        "highlights": ["COBOL"]}],
              "education": [{"institution": "Yale", "area": "Math", "endDate": "1934-06"}],
              "awards": [{"title": "Medal", "summary": "Tech"}],
              "certificates": [{"name": "Cert", "issuer": "ACM"}],
              "meta": {"version": "v1"}}
        r = self.ok("POST", "/api/v1/resumes/import/json-resume", t, 201,
                    json={"name": "Imported", "resume": jr})
        s = r["structured"]
        self.assertEqual(s["personal_information"]["surname"], "Hopper")
        self.assertEqual(s["personal_information"]["github"], "https://github.com/g")
        self.assertEqual(s["experience_details"][0]["company"], "Navy")
        self.assertEqual(s["experience_details"][0]["employment_period"], "1943 - Present")
        self.assertEqual(s["education_details"][0]["year_of_completion"], "1934")
        self.assertEqual(s["achievements"][0]["name"], "Medal")
        self.assertEqual(s["certifications"][0]["description"], "ACM")
        self.assert_error(self.req("POST", "/api/v1/resumes/import/json-resume", t,
                                   json={"name": "x", "resume": {"work": [{"name": []}]}}),
                          400, "invalid_field", "resume.work[0].name")
        self.assertEqual(self.n_resumes(uid), 1)

    def test_yaml_import(self):
        t, uid = self.pro_user()
        yaml = (b"personal_information:\n  name: Ada\n  zip_code: 01234\n"
                b"experience_details:\n  - position: Analyst\n    company: Engine\n"
                b"    key_responsibilities:\n      - responsibility_1: Notes\n")
        r = self.ok("POST", "/api/v1/resumes/import/yaml?name=From%20YAML", t, 201,
                    headers={"Content-Type": "application/yaml"}, body=yaml)
        self.assertEqual(r["name"], "From YAML")
        self.assertEqual(r["structured"]["personal_information"]["zip_code"], "01234")
        self.assertEqual(r["structured"]["experience_details"][0]["key_responsibilities"],
                         ["Notes"])
        ctype, body = multipart([("name", "Form YAML"),
                                 ("file", ("resume.yaml", yaml, "application/yaml"))])
        r2 = self.ok("POST", "/api/v1/resumes/import/yaml", t, 201,
                     headers={"Content-Type": ctype}, body=body)
        self.assertEqual(r2["name"], "Form YAML")
        self.assertEqual(self.n_resumes(uid), 2)

    def test_yaml_invalid_reports_line(self):
        t, uid = self.pro_user()
        bad = b"personal_information:\n  name: Ada\n  skills: [a, b\nprojects: []\n"
        err = self.assert_error(self.req("POST", "/api/v1/resumes/import/yaml", t,
                                         headers={"Content-Type": "application/yaml"},
                                         body=bad),
                                400, "invalid_yaml", "file")
        self.assertEqual(err["line"], 4)
        self.assertIn("line 4", err["message"])
        # Valid YAML with a wrong type names the path.
        self.assert_error(self.req("POST", "/api/v1/resumes/import/yaml", t,
                                   headers={"Content-Type": "application/yaml"},
                                   body=b"experience_details: nope\n"),
                          400, "invalid_field", "experience_details")
        # Aliases (billion laughs) are refused.
        self.assert_error(self.req("POST", "/api/v1/resumes/import/yaml", t,
                                   headers={"Content-Type": "application/yaml"},
                                   body=b"a: &x [1]\nb: *x\n"),
                          400, "invalid_yaml")
        self.assertEqual(self.n_resumes(uid), 0)

    def test_upload_and_download_exact_bytes(self):
        t, uid = self.pro_user()
        cases = [
            ("cv.pdf", PDF, "application/pdf"),
            ("cv.txt", "Jane Doe\nC programmer\n".encode(), "text/plain; charset=utf-8"),
            ("cv.html", b"<!DOCTYPE html><html><body><h1>Jane</h1><script>x()</script>"
                        b"<p>C &amp; Rust</p></body></html>", "text/html; charset=utf-8"),
            # Named .pdf but plain text: the content decides.
            ("trick.pdf", b"plain words only", "text/plain; charset=utf-8"),
        ]
        for fname, data, want_ct in cases:
            with self.subTest(fname=fname):
                st, _, r = self.upload(t, [("file", (fname, data, "application/pdf")),
                                           ("description", "uploaded")])
                self.assertEqual(st, 201, r)
                self.assertEqual(r["file"]["name"], fname)
                self.assertEqual(r["file"]["size"], len(data))
                self.assertEqual(r["file"]["sha256"], hashlib.sha256(data).hexdigest())
                self.assertEqual(r["file"]["content_type"], want_ct)
                self.assertEqual(r["name"], fname)
                st, h, body = self.req("GET", "/api/v1/resumes/%d/download" % r["id"], t)
                self.assertEqual(st, 200)
                self.assertEqual(body, data)
                self.assertEqual(h["content-type"], want_ct)
                self.assertIn('filename="%s"' % fname, h["content-disposition"])
                self.assertTrue(h["content-disposition"].startswith("attachment"))
        html = [r for r in self.ok("GET", "/api/v1/resumes?per_page=100", t)["items"]
                if r["file"]["name"] == "cv.html"][0]
        detail = self.ok("GET", "/api/v1/resumes/%d" % html["id"], t)
        self.assertEqual(detail["parsed_text"], "Jane C & Rust")

    def test_upload_docx_and_unicode_name(self):
        import io
        import zipfile
        t, uid = self.pro_user()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("word/document.xml", "<w:document/>")
        data = buf.getvalue()
        st, _, r = self.upload(t, [("file", ("résumé.docx", data, "application/octet-stream")),
                                   ("name", "Word")])
        self.assertEqual(st, 201, r)
        self.assertTrue(r["file"]["content_type"].startswith(
            "application/vnd.openxmlformats-officedocument"))
        st, h, body = self.req("GET", "/api/v1/resumes/%d/download" % r["id"], t)
        self.assertEqual(body, data)
        self.assertIn("filename*=UTF-8''r%C3%A9sum%C3%A9.docx", h["content-disposition"])
        # A ZIP that is not a Word document is refused.
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("xl/workbook.xml", "<x/>")
        self.assert_error(self.upload(t, [("file", ("sheet.docx", buf.getvalue(), "x"))]),
                          415, "unsupported_file_type", "file", "zip archive")

    def test_upload_bad_inputs_store_nothing(self):
        t, uid = self.pro_user()
        # An executable named .pdf.
        self.assert_error(self.upload(t, [("file", ("cv.pdf", ELF, "application/pdf"))]),
                          415, "unsupported_file_type", "file", "elf executable")
        # No file part.
        self.assert_error(self.upload(t, [("name", "no file")]), 400, "invalid_field", "file")
        # Empty file.
        self.assert_error(self.upload(t, [("file", ("e.txt", b"", "text/plain"))]),
                          400, "invalid_field", "file")
        # Unknown field.
        self.assert_error(self.upload(t, [("file", ("a.txt", b"x", "text/plain")),
                                          ("colour", "red")]),
                          400, "invalid_field", "colour")
        # A second default in one request.
        self.assert_error(self.upload(t, [("file", ("a.txt", b"x", "text/plain")),
                                          ("is_default", "true"), ("is_default", "true")]),
                          400, "invalid_field", "is_default")
        self.assert_error(self.upload(t, [("file", ("a.txt", b"x", "text/plain")),
                                          ("is_default", "maybe")]),
                          400, "invalid_field", "is_default")
        # Truncated body: the closing boundary is missing.
        ctype, body = multipart([("file", ("a.txt", b"hello world", "text/plain"))])
        cut = body[:body.rindex(b"--")]
        self.assert_error(self.req("POST", "/api/v1/resumes/upload", t,
                                   headers={"Content-Type": ctype}, body=cut[:-10]),
                          400, "invalid_multipart", contains="truncated")
        # Not multipart at all.
        self.assert_error(self.req("POST", "/api/v1/resumes/upload", t,
                                   json={"file": "x"}), 415)
        # Over the limit: the file part alone (handler check) ...
        big = b"a" * (64 * 1024 + 1)
        self.assert_error(self.upload(t, [("file", ("big.txt", big, "text/plain"))]),
                          413)
        # ... and a body past the route's limit (server check).
        huge = b"a" * (512 * 1024)
        ctype, body = multipart([("file", ("huge.txt", huge, "text/plain"))])
        self.assertEqual(raw_post_status(self.srv.port, "/api/v1/resumes/upload", t,
                                         ctype, body), 413)
        self.assertEqual(self.n_resumes(uid), 0)

    def test_bad_ids_and_pagination(self):
        t, uid = self.pro_user()
        for bad in BAD_IDS:
            with self.subTest(id=bad):
                self.assert_error(self.req("GET", "/api/v1/resumes/%s" % bad, t), 404)
                self.assert_error(self.req("DELETE", "/api/v1/resumes/%s" % bad, t), 404)
                self.assert_error(self.req("GET", "/api/v1/resumes/%s/download" % bad, t), 404)
        for q in ("per_page=0", "per_page=10000", "page=0", "page=x", "per_page=-5"):
            with self.subTest(q=q):
                self.assert_error(self.req("GET", "/api/v1/resumes?" + q, t), 400,
                                  field=q.split("=")[0])
        # Download of a structured-only resume: no file.
        r = self.ok("POST", "/api/v1/resumes", t, 201,
                    json={"name": "s", "structured": STRUCTURED})
        self.assert_error(self.req("GET", "/api/v1/resumes/%d/download" % r["id"], t),
                          404, "not_found")

    def test_pagination_counts(self):
        t, uid = self.pro_user()
        for i in range(5):
            self.ok("POST", "/api/v1/resumes", t, 201,
                    json={"name": "r%d" % i, "structured": STRUCTURED})
        p1 = self.ok("GET", "/api/v1/resumes?per_page=2", t)
        self.assertEqual((p1["total"], p1["pages"], len(p1["items"])), (5, 3, 2))
        self.assertEqual(p1["items"][0]["name"], "r4", "newest first")
        p3 = self.ok("GET", "/api/v1/resumes?per_page=2&page=3", t)
        self.assertEqual(len(p3["items"]), 1)
        p9 = self.ok("GET", "/api/v1/resumes?per_page=2&page=9", t)
        self.assertEqual((p9["total"], p9["items"]), (5, []))

    def test_plan_limit(self):
        t, uid = self.user()  # Free Trial: one resume
        self.ok("POST", "/api/v1/resumes", t, 201, json={"name": "one", "structured": STRUCTURED})
        err = self.assert_error(self.req("POST", "/api/v1/resumes", t,
                                         json={"name": "two", "structured": STRUCTURED}),
                                403, "plan_limit")
        self.assertEqual((err["limit"], err["value"], err["used"]), ("resumes", 1, 1))
        st, _, _ = self.upload(t, [("file", ("a.txt", b"hello", "text/plain"))])
        self.assertEqual(st, 403)
        self.assertEqual(self.n_resumes(uid), 1)

    def test_requires_auth(self):
        self.assert_error(self.req("GET", "/api/v1/resumes"), 401)
        self.assert_error(self.req("POST", "/api/v1/resumes",
                                   json={"name": "x", "structured": STRUCTURED}), 401)


if __name__ == "__main__":
    unittest.main()
