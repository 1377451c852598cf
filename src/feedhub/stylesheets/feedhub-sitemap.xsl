<?xml version="1.0" encoding="UTF-8"?>
<!-- feedhub: sitemaps, news sitemaps and sitemap indexes as a table. Crawlers ignore this file. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9"
    xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
    xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"
    exclude-result-prefixes="sm news image">
  <xsl:output method="html" encoding="UTF-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:template match="/">
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>Sitemap</title>
        <style>
          body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; padding: 1rem; max-width: 72rem; color: #222; }
          table { border-collapse: collapse; width: 100%; }
          th, td { text-align: left; border-bottom: 1px solid #ddd; padding: .35rem .5rem; vertical-align: top; }
          th { background: #f4f4f4; }
          td.url { word-break: break-all; }
          .note { color: #666; }
        </style>
      </head>
      <body>
        <xsl:apply-templates select="sm:urlset | sm:sitemapindex"/>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="sm:urlset">
    <h1><xsl:choose><xsl:when test="sm:url/news:news">News sitemap</xsl:when><xsl:otherwise>Sitemap</xsl:otherwise></xsl:choose></h1>
    <p class="note"><xsl:value-of select="count(sm:url)"/> URLs. This file is for search engines; the table is for people.</p>
    <table>
      <thead><tr><th>#</th><th>URL</th><th>title</th><th>published / last modified</th><th>images</th></tr></thead>
      <tbody>
        <xsl:for-each select="sm:url">
          <tr>
            <td><xsl:value-of select="position()"/></td>
            <td class="url"><a href="{sm:loc}"><xsl:value-of select="sm:loc"/></a></td>
            <td><xsl:value-of select="news:news/news:title"/></td>
            <td><xsl:value-of select="news:news/news:publication_date | sm:lastmod"/></td>
            <td><xsl:value-of select="count(image:image)"/></td>
          </tr>
        </xsl:for-each>
      </tbody>
    </table>
  </xsl:template>

  <xsl:template match="sm:sitemapindex">
    <h1>Sitemap index</h1>
    <p class="note"><xsl:value-of select="count(sm:sitemap)"/> sitemaps.</p>
    <table>
      <thead><tr><th>#</th><th>sitemap</th><th>last modified</th></tr></thead>
      <tbody>
        <xsl:for-each select="sm:sitemap">
          <tr>
            <td><xsl:value-of select="position()"/></td>
            <td class="url"><a href="{sm:loc}"><xsl:value-of select="sm:loc"/></a></td>
            <td><xsl:value-of select="sm:lastmod"/></td>
          </tr>
        </xsl:for-each>
      </tbody>
    </table>
  </xsl:template>
</xsl:stylesheet>
