--
-- PostgreSQL database dump
--

\restrict 18552mzoxwEo79PcVBHZlm2UVkSnFIdLd7xitSkyWIxMSZrzhY1d0rpfAgEt1hs

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: documents; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.documents (
    id integer NOT NULL,
    doc_no text NOT NULL,
    title text NOT NULL,
    dept text NOT NULL,
    created_at timestamp with time zone NOT NULL
);


ALTER TABLE public.documents OWNER TO postgres;

--
-- Name: documents_id_seq; Type: SEQUENCE; Schema: public; Owner: postgres
--

CREATE SEQUENCE public.documents_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER TABLE public.documents_id_seq OWNER TO postgres;

--
-- Name: documents_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: postgres
--

ALTER SEQUENCE public.documents_id_seq OWNED BY public.documents.id;


--
-- Name: exchange_log; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.exchange_log (
    id integer NOT NULL,
    doc_id integer,
    status text NOT NULL,
    at timestamp with time zone NOT NULL,
    CONSTRAINT exchange_log_status_check CHECK ((status = ANY (ARRAY['ok'::text, 'failed'::text, 'pending'::text])))
);


ALTER TABLE public.exchange_log OWNER TO postgres;

--
-- Name: exchange_log_id_seq; Type: SEQUENCE; Schema: public; Owner: postgres
--

CREATE SEQUENCE public.exchange_log_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER TABLE public.exchange_log_id_seq OWNER TO postgres;

--
-- Name: exchange_log_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: postgres
--

ALTER SEQUENCE public.exchange_log_id_seq OWNED BY public.exchange_log.id;


--
-- Name: documents id; Type: DEFAULT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.documents ALTER COLUMN id SET DEFAULT nextval('public.documents_id_seq'::regclass);


--
-- Name: exchange_log id; Type: DEFAULT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.exchange_log ALTER COLUMN id SET DEFAULT nextval('public.exchange_log_id_seq'::regclass);


--
-- Data for Name: documents; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.documents (id, doc_no, title, dept, created_at) FROM stdin;
1	西高新办发〔2025〕101号	关于做好2026年元旦期间值班工作的通知	办公室	2025-12-26 01:30:00+00
2	西高新办发〔2025〕102号	关于开展年度网络安全检查的通知	工业和信息化局	2025-12-27 02:00:00+00
3	西高新办函〔2025〕88号	关于报送2025年度工作总结的函	办公室	2025-12-28 07:20:00+00
4	西高新发〔2025〕45号	关于印发《综合办公平台使用管理办法》的通知	工业和信息化局	2025-12-29 03:00:00+00
5	西高新办发〔2025〕103号	关于召开年终总结会议的通知	办公室	2025-12-30 00:45:00+00
6	西高新办发〔2025〕104号	关于2026年春节放假安排的通知	办公室	2025-12-31 01:00:00+00
\.


--
-- Data for Name: exchange_log; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.exchange_log (id, doc_id, status, at) FROM stdin;
1	1	ok	2025-12-26 01:35:00+00
2	2	ok	2025-12-27 02:02:00+00
3	3	failed	2025-12-28 07:21:00+00
4	3	ok	2025-12-28 07:40:00+00
5	4	ok	2025-12-29 03:03:00+00
6	5	pending	2025-12-30 00:46:00+00
7	5	ok	2025-12-30 01:10:00+00
8	6	ok	2025-12-31 01:02:00+00
\.


--
-- Name: documents_id_seq; Type: SEQUENCE SET; Schema: public; Owner: postgres
--

SELECT pg_catalog.setval('public.documents_id_seq', 6, true);


--
-- Name: exchange_log_id_seq; Type: SEQUENCE SET; Schema: public; Owner: postgres
--

SELECT pg_catalog.setval('public.exchange_log_id_seq', 8, true);


--
-- Name: documents documents_pkey; Type: CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.documents
    ADD CONSTRAINT documents_pkey PRIMARY KEY (id);


--
-- Name: exchange_log exchange_log_pkey; Type: CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.exchange_log
    ADD CONSTRAINT exchange_log_pkey PRIMARY KEY (id);


--
-- Name: documents_dept; Type: INDEX; Schema: public; Owner: postgres
--

CREATE INDEX documents_dept ON public.documents USING btree (dept);


--
-- Name: exchange_log exchange_log_doc_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.exchange_log
    ADD CONSTRAINT exchange_log_doc_id_fkey FOREIGN KEY (doc_id) REFERENCES public.documents(id);


--
-- PostgreSQL database dump complete
--

\unrestrict 18552mzoxwEo79PcVBHZlm2UVkSnFIdLd7xitSkyWIxMSZrzhY1d0rpfAgEt1hs

