#!/usr/bin/env python3
"""Generates the same corpus of N notes as an opsbook project and as a Hugo
site, for benches/portal.sh: markdown with a table, a third of the notes in
Chinese, and one taxonomy (Hugo's tags; opsbook's own lists and reports).

usage: gen_corpus.py N OUT_DIR   (writes OUT_DIR/opsbook and OUT_DIR/hugo)
"""
import datetime
import os
import random
import sys

ZH = [
    "应用服务器运行正常，CPU 峰值 41%，内存使用率 63%，磁盘空间充足。",
    "公文交换接口与市电子公文系统通道正常，收文与发文回执齐全，无滞留文件。",
    "数据库连接正常，活动会话峰值 139，表空间使用率 70.6%，未见锁等待。",
    "备份任务按计划完成，增量备份 6.7GB，用时 12 分钟，校验通过。",
    "个人云盘存储使用率超过 85%，已提交扩容申请，待硬件到货后上架。",
    "OFD 版式文件阅读与转换服务运行正常，抽样打开 20 份公文显示正确。",
    "网络连通性抽测 62 个接入单位访问正常，出口带宽峰值 24%。",
    "证书有效期剩余 165 天，已列入到期提醒清单，提前三十天续期。",
    "本次故障由前置机队列积压引起，清理队列并重启适配服务后恢复。",
    "已将处理过程写入常见问题库，并在下次培训中向各部门联络员说明。",
]
EN = [
    "The application servers ran normally; CPU peaked at 41% and memory at 63%.",
    "The document exchange with the city system was healthy; no document waited for more than thirty minutes.",
    "Database sessions peaked at 139 and the tablespace stood at 70.6% with no lock waits.",
    "The nightly incremental backup finished in twelve minutes and its checksum was verified.",
    "Personal cloud storage passed 85%; an expansion was requested and awaits the hardware.",
    "OFD reading and conversion worked; twenty sampled documents displayed correctly.",
    "Connectivity checks to 62 departments succeeded; the uplink peaked at 24%.",
    "The certificate has 165 days left and is on the renewal list thirty days ahead.",
    "The fault came from a backlog in the front-end queue; clearing it and restarting the adapter fixed it.",
    "The handling was written into the knowledge base and will be explained at the next training.",
]
TAGS = ["账号", "公文交换", "数据库", "网络", "安全", "备份", "OFD", "性能", "存储", "培训",
        "account", "exchange", "database", "network", "security", "backup", "ofd", "performance", "storage", "training"]
START = datetime.date(2016, 1, 1)


def paragraph(rng, pool, n):
    return "".join(rng.choice(pool) + ("" if pool is ZH else " ") for _ in range(n)).strip()


def table(rng, zh):
    head = "| 检查项 | 结果 | 数值 | 说明 |" if zh else "| Item | Result | Value | Note |"
    rows = [head, "|---|---|---|---|"]
    for i in range(5):
        item = ["应用服务", "数据库", "公文交换", "备份", "网络"][i] if zh else ["Application", "Database", "Exchange", "Backup", "Network"][i]
        rows.append(f"| {item} | {'正常' if zh else 'OK'} | {rng.randint(10, 99)}% | {rng.choice(ZH if zh else EN)[:24]} |")
    return "\n".join(rows)


def body(rng, zh, headings):
    pool = ZH if zh else EN
    parts = []
    for i, h in enumerate(headings):
        parts.append(f"## {h}\n\n{paragraph(rng, pool, 3)}\n")
        if i == 0:
            parts.append(table(rng, zh) + "\n")
        parts.append(f"- {rng.choice(pool)}\n- {rng.choice(pool)}\n")
    return "\n".join(parts)


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(n)
    ob, hg = os.path.join(out, "opsbook"), os.path.join(out, "hugo")
    counters = {}
    days_needed = n * 60 // 100 // 3 + 2
    end = START + datetime.timedelta(days=max(days_needed, 400))

    def write(path, text):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    write(os.path.join(ob, "opsbook.toml"),
          f'[project]\nname = "基准测试运维项目"\nclient = "基准甲方"\ncontractor = "基准运维方"\nstart = {START}\nend = {end}\n')
    write(os.path.join(hg, "config.toml"),
          'baseURL = "/"\nbuildFuture = true\ntitle = "基准测试运维项目"\nhasCJKLanguage = true\n[taxonomies]\ntag = "tags"\n')
    layouts = {
        "_default/baseof.html": '<!DOCTYPE html><html><head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title>'
        '<link rel="stylesheet" href="/style.css"></head><body><header><a href="/">{{ .Site.Title }}</a><nav>'
        '<a href="/posts/">posts</a> <a href="/tags/">tags</a></nav></header><main>{{ block "main" . }}{{ end }}</main>'
        '<footer>{{ .Site.Title }}</footer></body></html>',
        "_default/single.html": '{{ define "main" }}<article><h1>{{ .Title }}</h1><table><tr><th>date</th><td>{{ .Date.Format "2006-01-02" }}</td></tr>'
        '<tr><th>tags</th><td>{{ range .Params.tags }}<a href="/tags/{{ . | urlize }}/">{{ . }}</a> {{ end }}</td></tr></table>'
        '{{ .Content }}</article>{{ end }}',
        "_default/list.html": '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul>{{ end }}',
    }
    for name, text in layouts.items():
        write(os.path.join(hg, "layouts", name), text)

    for i in range(n):
        slot = i % 20
        zh = i % 3 == 0
        if slot < 12:
            kind = "inspection"
        elif slot < 15:
            kind = "incident"
        elif slot < 17:
            kind = "workorder"
        elif slot < 19:
            kind = "faq"
        else:
            kind = ["training", "upgrade", "vulnerability"][(i // 20) % 3]
        k = counters.get(kind, 0)
        counters[kind] = k + 1
        tags = rng.sample(TAGS, 2)
        if kind == "inspection":
            day, seq = START + datetime.timedelta(days=k // 3), k % 3 + 1
            nid = f"{day:%y%m%d}-{seq:02d}"
            title = f"软件巡检记录单 {nid}" if zh else f"Inspection {nid}"
            checks = "".join(f'\n[[checks]]\nitem = "{["应用服务", "数据库", "公文交换", "备份"][c]}"\nresult = "{"warn" if rng.random() < 0.1 else "ok"}"\n' for c in range(4))
            front = (f'id = "{nid}"\ndate = {day}\ncycle = "daily"\ninspector = "张昊"\nrecorder = "刘洋"\nmethod = "remote"\n'
                     f'start = "09:00"\nend = "09:40"\n{checks}')
            text = body(rng, zh, ["检查内容", "巡检结果分析"])
            path = f"content/inspections/{day:%Y/%m}/{nid}.md"
        elif kind in ("incident", "workorder", "training", "upgrade", "vulnerability"):
            per_day = {"incident": 2, "workorder": 2}.get(kind, 1)
            day, seq = START + datetime.timedelta(days=k // per_day), k % per_day + 1
            prefix = {"incident": "INC", "workorder": "WO", "training": "TR", "upgrade": "UP", "vulnerability": "VUL"}[kind]
            nid = f"{prefix}-{day:%y%m%d}-{seq:02d}"
            title = rng.choice(ZH if zh else EN)[:30]
            t = f"{day}T09:{seq:02d}:00"
            if kind == "incident":
                front = (f'id = "{nid}"\ntitle = "{title}"\nseverity = "{"major" if rng.random() < 0.2 else "general"}"\n'
                         f'category = "application"\nreported_at = {t}\nresolved_at = {day}T10:{seq:02d}:00\nengineers = ["李婷"]\n')
                text = body(rng, zh, ["原因分析", "处理方法", "处理结果", "预防措施"])
            elif kind == "workorder":
                front = f'id = "{nid}"\ntitle = "{title}"\nrequested_at = {t}\nunit = "办公室"\nstatus = "approved"\n'
                text = body(rng, zh, ["影响性分析", "评审意见", "工作结果", "备注"])
            elif kind == "training":
                front = f'id = "{nid}"\ndate = {day}\ntopic = "{title}"\ntrainer = "李婷"\nattendees = 40\n'
                text = body(rng, zh, ["培训内容"])
            elif kind == "upgrade":
                front = (f'id = "{nid}"\nversion = "3.{k}.0"\nwindow_start = {t}\nwindow_end = {day}T09:50:00\n'
                         f'tested_percent = 85\nrollback_plan = true\noutcome = "success"\n')
                text = body(rng, zh, ["升级内容"])
            else:
                front = (f'id = "{nid}"\ntitle = "{title}"\nsource = "等保测评机构"\nseverity = "medium"\n'
                         f'found_at = {t}\nfixed_at = {day + datetime.timedelta(days=5)}T10:00:00\n')
                text = body(rng, zh, ["漏洞描述", "修复措施", "复测结果"])
            path = f"content/{kind}s/{day:%Y}/{nid}.md" if kind != "vulnerability" else f"content/vulnerabilities/{day:%Y}/{nid}.md"
        else:
            nid = f"FAQ-{k + 1:05d}"
            title = rng.choice(ZH if zh else EN)[:30]
            front = f'id = "{nid}"\nquestion = "{title}"\ntags = ["{tags[0]}", "{tags[1]}"]\n'
            text = body(rng, zh, ["解决方案"])
            day = START
            path = f"content/faq/{nid}.md"
        write(os.path.join(ob, path), f"+++\n{front}+++\n\n{text}")
        write(os.path.join(hg, "content/posts", f"{nid}.md"),
              f'+++\ntitle = "{title}"\ndate = {day}\ntags = ["{tags[0]}", "{tags[1]}"]\n+++\n\n{text}')


if __name__ == "__main__":
    main()
